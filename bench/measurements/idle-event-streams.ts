import { setTimeout as sleep } from "node:timers/promises";
import { loadWith } from "../lib/http-load.js";
import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { rssMb } from "../lib/process-memory.js";
import { percentile, round } from "../lib/stats.js";
import { makeTinyClip, TINY_INPUT } from "../lib/tiny-clip.js";

const GOAL_RSS_MB = 50;
const GOAL_THROUGHPUT_RATIO = 0.8;
const GOAL_LATENCY_MS = 1000;

/** One idle client of GET /events: reads everything, notes when a marker first arrives. */
class IdleStream {
  private buffer = "";
  private readonly waiting = new Map<string, (at: number) => void>();
  readonly controller = new AbortController();
  opened: Promise<void>;

  constructor(url: string) {
    this.opened = this.read(url);
  }

  /** Resolves with the time (performance.now) the text first arrived. */
  arrival(marker: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(marker, resolve));
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(url, { signal: this.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`GET /events answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let opened: () => void = () => undefined;
    this.opened = new Promise((resolve) => (opened = resolve));
    void (async () => {
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          this.buffer += decoder.decode(chunk.value, { stream: true });
          if (this.buffer.includes("retry:")) opened();
          for (const [marker, resolve] of this.waiting) {
            if (this.buffer.includes(marker)) {
              this.waiting.delete(marker);
              resolve(performance.now());
            }
          }
          // Keep only a tail: a marker never spans more than one event.
          if (this.buffer.length > 65_536) this.buffer = this.buffer.slice(-8192);
        }
      } catch {
        // aborted at the end of the measurement
      }
    })();
    await this.opened;
  }
}

/**
 * What idle event-stream clients cost the API: its memory with 1,000 of
 * them connected, and GET /status throughput with them against without them,
 * in the same run; and how long an event takes to reach all of them.
 */
export const idleEventStreams: Measurement = {
  name: "idle-event-streams",
  summary: "1,000 idle GET /events clients: API RSS growth, GET /status req/s with vs without, event latency",
  async run({ deployment, options, log }) {
    const { api } = deployment;
    const clients = options.eventClients;
    await makeTinyClip(deployment);
    const jobId = await api.submit({ input: TINY_INPUT, output: "out/first.mp4" });
    await api.waitCompleted(jobId, 60_000);
    const statusUrl = `${api.baseUrl}/status/${jobId}`;
    await loadWith(statusUrl, { connections: 50, seconds: 2 }); // warm-up
    log(`GET /status for ${options.loadSeconds} s with no event clients`);
    const without = await loadWith(statusUrl, { connections: 50, seconds: options.loadSeconds });
    await sleep(1000);
    const rssBefore = rssMb(deployment.apiPid);

    log(`opening ${clients} GET /events streams`);
    const streams: IdleStream[] = [];
    for (let i = 0; i < clients; i += 50) {
      const batch = Array.from({ length: Math.min(50, clients - i) }, () => new IdleStream(`${api.baseUrl}/events`));
      await Promise.all(batch.map((stream) => stream.opened));
      streams.push(...batch);
    }
    await sleep(3000);
    const rssConnected = rssMb(deployment.apiPid);

    log("one event to all of them: a submission's status event");
    const sentAt = performance.now();
    const next = await api.submit({ input: TINY_INPUT, output: "out/second.mp4" });
    const arrivals = await Promise.all(streams.map((stream) => stream.arrival(`"job_id":"${next}"`)));
    const latencies = arrivals.map((at) => at - sentAt);
    await api.waitCompleted(next, 60_000);

    log(`GET /status for ${options.loadSeconds} s with ${clients} idle event clients`);
    const withClients = await loadWith(statusUrl, { connections: 50, seconds: options.loadSeconds });
    const rssAfterLoad = rssMb(deployment.apiPid);
    for (const stream of streams) stream.controller.abort();
    deployment.assertRunning();

    const growth = rssConnected - rssBefore;
    const ratio = withClients.requestsPerSecond / without.requestsPerSecond;
    const worst = percentile(latencies, 100) ?? Number.POSITIVE_INFINITY;
    return {
      rows: [
        absoluteRow(
          `API RSS growth with ${clients} idle event clients`,
          `${round(growth, 1)} MB`,
          `<= ${GOAL_RSS_MB} MB`,
          growth <= GOAL_RSS_MB,
        ),
        {
          metric: `GET /status req/s with ${clients} idle event clients / without`,
          value: `${Math.round(withClients.requestsPerSecond)} req/s`,
          baseline: `${Math.round(without.requestsPerSecond)} req/s`,
          ratio: round(ratio, 3),
          goal: `>= ${GOAL_THROUGHPUT_RATIO}`,
          goalMet: ratio >= GOAL_THROUGHPUT_RATIO,
        },
        absoluteRow(
          `one event to ${clients} clients: latest arrival after POST /convert`,
          `${round(worst, 1)} ms`,
          `<= ${GOAL_LATENCY_MS} ms`,
          worst <= GOAL_LATENCY_MS,
        ),
      ],
      notes: [
        `API RSS: ${rssBefore} MB before, ${rssConnected} MB with the clients connected, ${rssAfterLoad} MB after the loaded run`,
        `event latency to the ${clients} clients: p50 ${round(percentile(latencies, 50), 1)} ms, max ${round(worst, 1)} ms (from just before the POST, so it includes the submission)`,
        `GET /status without clients: p50 ${without.p50Ms} ms, p99 ${without.p99Ms} ms; with: p50 ${withClients.p50Ms} ms, p99 ${withClients.p99Ms} ms; errors ${without.errors}/${withClients.errors}`,
      ],
      data: {
        rssBefore,
        rssConnected,
        rssAfterLoad,
        without,
        withClients,
        latencies: { p50: percentile(latencies, 50), max: worst },
      },
    };
  },
};

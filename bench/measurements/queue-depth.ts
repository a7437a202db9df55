import { setTimeout as sleep } from "node:timers/promises";
import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { cpuSeconds } from "../lib/process-cpu.js";
import { timedBurst } from "../lib/request-burst.js";
import { round } from "../lib/stats.js";
import { makeTinyClip, tinyJobBody } from "../lib/tiny-clip.js";

const CONNECTIONS = 50;
/** Submissions per timed sample, and the depth of the shallow one. */
const SAMPLE = 1000;
/** Submissions cancelled at once before anything is timed: the JIT warms up, the queue stays empty. */
const WARM_UP = 3000;
const WARM_UP_LANES = 10;
const RECONCILE_SECONDS = 5;
const IDLE_SECONDS = 20;
const GOAL_SUBMISSION_RATIO = 1.2;
const CATCH_UP_WAIT_MS = 30_000;
/** How long the client back after the restart listens for a catch-up that should not come. */
const AFTER_RESTART_WAIT_MS = 3_000;

/** Counts the job events GET /events sends while it is open, and whether the server ended the stream. */
class EventCounter {
  count = 0;
  ended = false;
  private readonly controller = new AbortController();
  private readonly reading: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.reading = this.read(url, headers).catch((error: Error) => {
      if (error.name !== "AbortError") throw error;
    });
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, { headers, signal: this.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`GET /events answered ${res.status}`);
    const decoder = new TextDecoder();
    let partial = ""; // a chunk may end inside a line, even inside "event:": only whole lines are counted
    for await (const chunk of res.body) {
      const lines = (partial + decoder.decode(chunk as Uint8Array, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("event:")) this.count += 1;
    }
    this.ended = true;
  }

  /** Waits until `count` events came, the stream ended or `ms` passed; the count then. */
  async until(count: number, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.count < count && !this.ended && Date.now() < deadline) await sleep(50);
    return this.count;
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.reading;
  }
}

/**
 * What a deep queue costs the API: no worker, so every job stays queued.
 * After a warm-up whose jobs are cancelled at once, submissions are timed
 * (API CPU per request) at SAMPLE queued and again at
 * --queue-depth; then, with the queue idle, the API's CPU over IDLE_SECONDS
 * with a reconciliation every RECONCILE_SECONDS, and the job events a
 * GET /events client receives meanwhile (nothing changed: there should be
 * none); then a client that comes back with a Last-Event-ID older than the
 * event log must get the state of every job changed since; last, after a
 * restart of the API, a client whose last event came just before it must get
 * nothing (nothing changed). Baseline: the same figures at the shallow depth,
 * in the same run.
 */
export const queueDepth: Measurement = {
  name: "queue-depth",
  summary: "submission and idle (reconciliation) API CPU at --queue-depth queued jobs / at 1,000, no worker",
  deployment: {
    workers: 0,
    env: { MAX_QUEUED_JOBS: "10000000", RECONCILE_INTERVAL_SECONDS: String(RECONCILE_SECONDS) },
  },
  skip: (options) => (options.queueDepth === 0 ? "--queue-depth 0" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    // At least SAMPLE filled in just before the deep sample, as before the shallow one: a timed sample that
    // came straight after the idle period would pay for the heap V8 shrank meanwhile (1.48 times, once).
    const depth = Math.max(options.queueDepth, 4 * SAMPLE);
    await makeTinyClip(deployment);
    let submitted = 0;
    /** `count` submissions, all accepted; the API's CPU per submission. */
    const submit = async (count: number) => {
      const prefix = `depth-${submitted}`;
      submitted += count;
      const result = await timedBurst(
        `${api.baseUrl}/convert`,
        deployment.apiPid,
        count,
        CONNECTIONS,
        tinyJobBody(prefix),
      );
      if (result.statuses[202] !== count) throw new Error(`submissions answered ${JSON.stringify(result.statuses)}`);
      return result.serverCpuMs;
    };
    const apiCpu = () => cpuSeconds(deployment.apiPid).self;
    const idle = async () => {
      const events = new EventCounter(`${api.baseUrl}/events`);
      await sleep(1000); // connected, and the submissions' own events sent
      const counted = events.count;
      const before = apiCpu();
      await sleep(IDLE_SECONDS * 1000);
      const cpuMsPerInterval = ((apiCpu() - before) * 1000) / (IDLE_SECONDS / RECONCILE_SECONDS);
      const eventsPerMinute = ((events.count - counted) * 60) / IDLE_SECONDS;
      await events.close();
      return { cpuMsPerInterval, eventsPerMinute };
    };

    log(`${WARM_UP} submissions, each cancelled (warm-up), then ${SAMPLE} untimed and ${SAMPLE} timed`);
    let warmed = 0;
    const warmUpJob = tinyJobBody("warm");
    const warmUpLane = async () => {
      while (warmed < WARM_UP) {
        const jobId = await api.submit(warmUpJob(warmed++));
        const answer = await api.request("DELETE", `/jobs/${jobId}`);
        if (answer.status !== 200) throw new Error(`DELETE /jobs/${jobId} answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: WARM_UP_LANES }, warmUpLane));
    await submit(SAMPLE);
    const shallowSubmit = await submit(SAMPLE);
    log(`idle for ${IDLE_SECONDS} s at ${submitted} queued`);
    const shallowIdle = await idle();
    const shallowDepth = submitted;
    log(`filling the queue to ${depth}`);
    await submit(depth - SAMPLE - submitted);
    const deepSubmit = await submit(SAMPLE);
    log(`idle for ${IDLE_SECONDS} s at ${submitted} queued`);
    const deepIdle = await idle();
    // A client back after an hour away (an id older than the event log): the state of every job changed since.
    log(`GET /events with an old Last-Event-ID at ${submitted} queued`);
    const returning = new EventCounter(`${api.baseUrl}/events`, {
      "last-event-id": String((Date.now() - 3_600_000) * 1000),
    });
    // Every live job, and every one that ended since: the warm-up's, cancelled.
    const expectedCatchUp = submitted + WARM_UP;
    const caughtUp = await returning.until(expectedCatchUp, CATCH_UP_WAIT_MS);
    const endedEarly = returning.ended;
    await returning.close();
    // A client whose last event came just before the API restarted, nothing changing since: nothing to send.
    log("restarting the API; GET /events with the last id from before");
    const lastBeforeRestart = String(Date.now() * 1000);
    await deployment.restartApi();
    const afterRestart = new EventCounter(`${api.baseUrl}/events`, { "last-event-id": lastBeforeRestart });
    const sentAfterRestart = await afterRestart.until(Number.POSITIVE_INFINITY, AFTER_RESTART_WAIT_MS);
    await afterRestart.close();
    deployment.assertRunning();

    const submitRatio = deepSubmit / shallowSubmit;
    const ms = (value: number) => `${round(value, 3)} ms`;
    return {
      rows: [
        {
          metric: `POST /convert API CPU per request at ${submitted} queued / at ${SAMPLE}-${2 * SAMPLE}`,
          value: ms(deepSubmit),
          baseline: `${ms(shallowSubmit)} (at ${SAMPLE}-${2 * SAMPLE} queued)`,
          ratio: round(submitRatio, 3),
          goal: `<= ${GOAL_SUBMISSION_RATIO}`,
          goalMet: submitRatio <= GOAL_SUBMISSION_RATIO,
        },
        {
          // Per interval, not per run: a run longer than the interval is followed at once by the next.
          metric: `idle API CPU per ${RECONCILE_SECONDS} s (a reconciliation each) at ${submitted} queued / at ${shallowDepth}`,
          value: `${round(deepIdle.cpuMsPerInterval, 1)} ms`,
          baseline: `${round(shallowIdle.cpuMsPerInterval, 1)} ms (at ${shallowDepth} queued)`,
          ratio: round(deepIdle.cpuMsPerInterval / Math.max(shallowIdle.cpuMsPerInterval, 1), 3),
          goal: null,
          goalMet: null,
        },
        absoluteRow(
          `GET /events after an old Last-Event-ID: ${submitted} live jobs, ${WARM_UP} ended since`,
          `${caughtUp} events${endedEarly ? " (stream ended)" : ""}`,
          `${expectedCatchUp} events`,
          caughtUp >= expectedCatchUp,
        ),
        absoluteRow(
          `GET /events after an API restart, ${submitted} queued, nothing changed since the client's last event`,
          `${sentAfterRestart} events`,
          "0 events",
          sentAfterRestart === 0,
        ),
        absoluteRow(
          `GET /events job events while ${submitted} jobs wait, nothing changing`,
          `${round(deepIdle.eventsPerMinute, 1)}/min`,
          "0/min",
          deepIdle.eventsPerMinute === 0,
        ),
      ],
      notes: [
        `submissions at concurrency ${CONNECTIONS}, ${SAMPLE} timed at each depth; idle ${IDLE_SECONDS} s with RECONCILE_INTERVAL_SECONDS=${RECONCILE_SECONDS} (the default is 60), CPU from /proc`,
        `job events while idle: ${round(shallowIdle.eventsPerMinute, 1)}/min at ${shallowDepth} queued, ${round(deepIdle.eventsPerMinute, 1)}/min at ${submitted}`,
      ],
      data: {
        depth: submitted,
        shallow_depth: shallowDepth,
        submission_cpu_ms: { shallow: round(shallowSubmit, 3), deep: round(deepSubmit, 3) },
        idle_cpu_ms_per_interval: {
          shallow: round(shallowIdle.cpuMsPerInterval, 1),
          deep: round(deepIdle.cpuMsPerInterval, 1),
        },
        idle_events_per_minute: { shallow: shallowIdle.eventsPerMinute, deep: deepIdle.eventsPerMinute },
        catch_up_events: caughtUp,
        events_after_restart: sentAfterRestart,
      },
    };
  },
};

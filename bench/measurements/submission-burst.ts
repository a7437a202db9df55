import { BareHonoServer } from "../lib/bare-server.js";
import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { rssMb } from "../lib/process-memory.js";
import { type TimedBurst, timedBurst } from "../lib/request-burst.js";
import { percentile, round } from "../lib/stats.js";
import { makeTinyClip, tinyJobBody } from "../lib/tiny-clip.js";

const CONNECTIONS = 50;
const QUEUE_LIMIT = 1000;
const GOAL_RATE = 2000;
const GOAL_P99_MS = 50;

/** One burst of `count` tiny jobs to `url`, with the server's and this process's CPU per request. */
const timedJobBurst = (url: string, serverPid: number, count: number, prefix: string) =>
  timedBurst(url, serverPid, count, CONNECTIONS, tinyJobBody(prefix));

const p99Of = (latencies: number[]) => percentile(latencies, 99) ?? Number.NaN;

/**
 * A burst of POST /convert at concurrency 50 against an API with no worker,
 * so every accepted job stays queued: with MAX_QUEUED_JOBS=1000 the first
 * 1,000 of 1,100 are accepted (202) and the rest refused (429 queue_full),
 * the API doing both kinds of work. Goals are absolute: nothing else submits.
 * For context, the same burst against a bare Hono route that parses the body
 * and answers 202 (bench/baselines/bare-hono-server.mjs, a fresh process as
 * the API is): what the framework and the load generator allow on this machine.
 */
export const submissionBurst: Measurement = {
  name: "submission-burst",
  summary: "1,100 POST /convert at concurrency 50, no worker (1,000 accepted, 100 x 429), and a bare Hono POST",
  deployment: { workers: 0, env: { MAX_QUEUED_JOBS: String(QUEUE_LIMIT) } },
  skip: (options) => (options.submissions === 0 ? "--submissions 0" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    await makeTinyClip(deployment);
    // No warm-up: a burst meets the API as it is, and a warm-up's jobs would count against the queue limit.
    const rssBefore = rssMb(deployment.apiPid);
    log(`POST /convert x ${options.submissions} at concurrency ${CONNECTIONS}`);
    const result = await timedJobBurst(`${api.baseUrl}/convert`, deployment.apiPid, options.submissions, "burst");
    const rssAfter = rssMb(deployment.apiPid);
    deployment.assertRunning();
    const accepted = result.statuses[202] ?? 0;
    const refused = result.statuses[429] ?? 0;
    const expectedAccepted = Math.min(options.submissions, QUEUE_LIMIT);
    if (accepted !== expectedAccepted || accepted + refused !== options.submissions) {
      throw new Error(`expected ${expectedAccepted} x 202 and the rest 429, got ${JSON.stringify(result.statuses)}`);
    }

    log(`bare Hono POST /convert x ${options.submissions} at concurrency ${CONNECTIONS}`);
    const bare = await BareHonoServer.start({ withPost: true });
    let baseline: TimedBurst;
    try {
      baseline = await timedJobBurst(new URL("convert", bare.url).href, bare.pid, options.submissions, "bare");
    } finally {
      await bare.stop();
    }
    if (baseline.statuses[202] !== options.submissions) {
      throw new Error(`the bare route answered ${JSON.stringify(baseline.statuses)}`);
    }

    const p50 = percentile(result.latenciesMs, 50) ?? Number.NaN;
    const p99 = p99Of(result.latenciesMs);
    const acceptedLatencies = result.latenciesMs.filter((_, n) => n < expectedAccepted);
    const rateRatio = result.requestsPerSecond / baseline.requestsPerSecond;
    const cpu = (r: TimedBurst) => `${round(r.serverCpuMs, 3)} ms (load generator ${round(r.clientCpuMs, 3)} ms)`;
    return {
      rows: [
        absoluteRow(
          `POST /convert x ${options.submissions} at c${CONNECTIONS}: req/s`,
          `${Math.round(result.requestsPerSecond)} req/s`,
          `>= ${GOAL_RATE} req/s`,
          result.requestsPerSecond >= GOAL_RATE,
        ),
        absoluteRow(
          "POST /convert burst: p99 latency",
          `${round(p99, 1)} ms`,
          `<= ${GOAL_P99_MS} ms`,
          p99 <= GOAL_P99_MS,
        ),
        {
          metric: "POST /convert burst req/s / bare Hono POST",
          value: `${Math.round(result.requestsPerSecond)} req/s`,
          baseline: `${Math.round(baseline.requestsPerSecond)} req/s (bare Hono)`,
          ratio: round(rateRatio, 3),
          goal: null,
          goalMet: null,
        },
      ],
      notes: [
        `${accepted} x 202, ${refused} x 429 in ${round(result.seconds, 2)} s; p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms (p99 of the first ${expectedAccepted} sent: ${round(p99Of(acceptedLatencies), 1)} ms)`,
        `bare Hono POST: ${round(baseline.seconds, 2)} s; p50 ${round(percentile(baseline.latenciesMs, 50) ?? Number.NaN, 1)} ms, p99 ${round(p99Of(baseline.latenciesMs), 1)} ms`,
        `server CPU per request: the API ${cpu(result)}; bare Hono ${cpu(baseline)}`,
        `API RSS ${rssBefore} MB before, ${rssAfter} MB after the burst`,
      ],
      data: {
        requests_per_second: round(result.requestsPerSecond, 1),
        p50_ms: round(p50, 2),
        p99_ms: round(p99, 2),
        statuses: result.statuses,
        api_cpu_ms_per_request: round(result.serverCpuMs, 3),
        client_cpu_ms_per_request: round(result.clientCpuMs, 3),
        bare: {
          requests_per_second: round(baseline.requestsPerSecond, 1),
          p99_ms: round(p99Of(baseline.latenciesMs), 2),
          cpu_ms_per_request: round(baseline.serverCpuMs, 3),
          client_cpu_ms_per_request: round(baseline.clientCpuMs, 3),
        },
        rss_before_mb: rssBefore,
        rss_after_mb: rssAfter,
      },
    };
  },
};

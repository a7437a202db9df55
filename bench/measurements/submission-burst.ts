import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { cpuSeconds } from "../lib/process-cpu.js";
import { rssMb } from "../lib/process-memory.js";
import { burst } from "../lib/request-burst.js";
import { percentile, round } from "../lib/stats.js";
import { makeTinyClip, TINY_INPUT } from "../lib/tiny-clip.js";

const CONNECTIONS = 50;
const QUEUE_LIMIT = 1000;
const GOAL_RATE = 2000;
const GOAL_P99_MS = 50;

/**
 * A burst of POST /convert at concurrency 50 against an API with no worker,
 * so every accepted job stays queued: with MAX_QUEUED_JOBS=1000 the first
 * 1,000 of 1,100 are accepted (202) and the rest refused (429 queue_full),
 * the API doing both kinds of work. Goals are absolute: nothing else submits.
 */
export const submissionBurst: Measurement = {
  name: "submission-burst",
  summary: "1,100 POST /convert at concurrency 50, no worker (1,000 accepted, 100 x 429): req/s, p50, p99",
  deployment: { workers: 0, env: { MAX_QUEUED_JOBS: String(QUEUE_LIMIT) } },
  skip: (options) => (options.submissions === 0 ? "--submissions 0" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    await makeTinyClip(deployment);
    const body = (prefix: string) => (n: number) => ({
      input: TINY_INPUT,
      output: `out/${prefix}-${n}.mp4`,
      preset: "h264",
    });
    // No warm-up: a burst meets the API as it is, and a warm-up's jobs would count against the queue limit.
    const rssBefore = rssMb(deployment.apiPid);
    log(`POST /convert x ${options.submissions} at concurrency ${CONNECTIONS}`);
    // CPU, steadier than the rates: the load generator (this process) shares the two cores with the API.
    const apiCpuBefore = cpuSeconds(deployment.apiPid).self;
    const clientCpuBefore = cpuSeconds("self").self;
    const result = await burst(`${api.baseUrl}/convert`, options.submissions, CONNECTIONS, body("burst"));
    const apiCpuMsPerRequest = ((cpuSeconds(deployment.apiPid).self - apiCpuBefore) * 1000) / options.submissions;
    const clientCpuMsPerRequest = ((cpuSeconds("self").self - clientCpuBefore) * 1000) / options.submissions;
    const rssAfter = rssMb(deployment.apiPid);
    deployment.assertRunning();
    const accepted = result.statuses[202] ?? 0;
    const refused = result.statuses[429] ?? 0;
    const expectedAccepted = Math.min(options.submissions, QUEUE_LIMIT);
    if (accepted !== expectedAccepted || accepted + refused !== options.submissions) {
      throw new Error(`expected ${expectedAccepted} x 202 and the rest 429, got ${JSON.stringify(result.statuses)}`);
    }
    const p50 = percentile(result.latenciesMs, 50) ?? Number.NaN;
    const p99 = percentile(result.latenciesMs, 99) ?? Number.NaN;
    const acceptedLatencies = result.latenciesMs.filter((_, n) => n < expectedAccepted);
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
      ],
      notes: [
        `${accepted} x 202, ${refused} x 429 in ${round(result.seconds, 2)} s; p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms (p99 of the first ${expectedAccepted} sent: ${round(percentile(acceptedLatencies, 99), 1)} ms)`,
        `CPU per request: the API ${round(apiCpuMsPerRequest, 3)} ms, the load generator ${round(clientCpuMsPerRequest, 3)} ms`,
        `API RSS ${rssBefore} MB before, ${rssAfter} MB after the burst`,
      ],
      data: {
        requests_per_second: round(result.requestsPerSecond, 1),
        p50_ms: round(p50, 2),
        p99_ms: round(p99, 2),
        statuses: result.statuses,
        api_cpu_ms_per_request: round(apiCpuMsPerRequest, 3),
        client_cpu_ms_per_request: round(clientCpuMsPerRequest, 3),
        rss_before_mb: rssBefore,
        rss_after_mb: rssAfter,
      },
    };
  },
};

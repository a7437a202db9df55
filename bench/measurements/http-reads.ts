import { BareHonoServer } from "../lib/bare-server.js";
import { type LoadResult, loadWith } from "../lib/http-load.js";
import type { Measurement, ResultRow } from "../lib/measurement.js";
import { cpuSeconds } from "../lib/process-cpu.js";
import { round } from "../lib/stats.js";
import { makeTinyClip, TINY_INPUT } from "../lib/tiny-clip.js";

const CONNECTIONS = 50;

/**
 * What the API's reads cost against the least a Node HTTP server on the same
 * framework can do: wrk -c50 on a bare Hono JSON route (a process of its own,
 * nothing else in it) and, in the same run, on the API's `GET /` and
 * `GET /status/{job_id}` of a completed job.
 */
export const httpReads: Measurement = {
  name: "http-reads",
  summary: "GET / and GET /status/{id} req/s (wrk -c50) / a bare Hono JSON route in the same run",
  async run({ deployment, options, log }) {
    const { api } = deployment;
    await makeTinyClip(deployment);
    const jobId = await api.submit({ input: TINY_INPUT, output: "out/read-me.mp4" });
    await api.waitCompleted(jobId, 60_000);
    const bare = await BareHonoServer.start();
    const seconds = options.loadSeconds;
    // CPU per request of the server under load: steadier than req/s on a small machine, where
    // wrk and whatever else runs take the cores in turns (issue 12's second pass).
    type Loaded = LoadResult & { cpuMicrosPerRequest: number | null };
    const load = async (name: string, url: string, pid: number): Promise<Loaded> => {
      await loadWith(url, { connections: CONNECTIONS, seconds: 2 }); // JIT warm-up, not counted
      log(`${name}: wrk -c${CONNECTIONS} for ${seconds} s`);
      const before = cpuSeconds(pid).self;
      const result = await loadWith(url, { connections: CONNECTIONS, seconds });
      if (result.errors > 0) throw new Error(`${name}: ${result.errors} failed requests under load`);
      const used = cpuSeconds(pid).self - before;
      return { ...result, cpuMicrosPerRequest: result.requests > 0 ? (used / result.requests) * 1e6 : null };
    };
    let baseline: Loaded;
    let root: Loaded;
    let status: Loaded;
    try {
      // Baseline between the two service runs, so a drifting machine favours neither.
      root = await load("API GET /", `${api.baseUrl}/`, deployment.apiPid);
      baseline = await load("bare Hono GET /", bare.url, bare.pid);
      status = await load("API GET /status/{job_id}", `${api.baseUrl}/status/${jobId}`, deployment.apiPid);
    } finally {
      await bare.stop();
    }
    deployment.assertRunning();
    const row = (metric: string, value: LoadResult, goal: number): ResultRow => {
      const ratio = value.requestsPerSecond / baseline.requestsPerSecond;
      return {
        metric,
        value: `${Math.round(value.requestsPerSecond)} req/s`,
        baseline: `${Math.round(baseline.requestsPerSecond)} req/s (bare Hono)`,
        ratio: round(ratio, 3),
        goal: `>= ${goal}`,
        goalMet: ratio >= goal,
      };
    };
    const micros = (r: Loaded) => (r.cpuMicrosPerRequest === null ? "?" : `${round(r.cpuMicrosPerRequest, 1)} µs`);
    const cpuRatio = (r: Loaded) =>
      baseline.cpuMicrosPerRequest && r.cpuMicrosPerRequest
        ? round(baseline.cpuMicrosPerRequest / r.cpuMicrosPerRequest, 3)
        : "?";
    const latency = (name: string, r: LoadResult) => `${name} p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`;
    return {
      rows: [
        row("GET / req/s / bare Hono JSON route", root, 0.8),
        row("GET /status/{id} req/s / bare Hono", status, 0.5),
      ],
      notes: [
        `wrk -c${CONNECTIONS} -t2 for ${seconds} s each: ${latency("bare", baseline)}; ${latency("GET /", root)}; ${latency("GET /status", status)}`,
        `server CPU per request (/proc, over each run): GET / ${micros(root)}; bare ${micros(baseline)}; GET /status ${micros(status)}; bare ÷ API, the same ratios in CPU: GET / ${cpuRatio(root)}, GET /status ${cpuRatio(status)}`,
      ],
      data: { bare: baseline, root, status },
    };
  },
};

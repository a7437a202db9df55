import { makeClip } from "../../tests/support/media.js";
import type { ApiClient } from "../lib/api-client.js";
import { ffmpegStartedAt } from "../lib/job-log.js";
import type { Measurement, MeasurementResult } from "../lib/measurement.js";
import { percentile, round } from "../lib/stats.js";

const GOAL_P50_MS = 50;
const INPUT = "incoming/tiny.mkv";
/** `duration` trims, so no stream can be copied: ffprobe runs alongside ffmpeg (ADR 0006). */
const tinyJob = { input: INPUT, preset: "h264", options: { duration: 0.1 } };
/** Untrimmed, so a copy is possible: ffprobe runs before ffmpeg (ADR 0022); the clip is then copied. */
const probeFirstJob = { input: INPUT, preset: "h264" };

/**
 * How long an idle worker takes to start ffmpeg for a job: tiny jobs, one at
 * a time, from just before the POST to the worker's "ffmpeg started" line.
 * The goal is absolute (no baseline: nothing else dispatches a job).
 */
export const dispatchLatency: Measurement = {
  name: "dispatch-latency",
  summary: "tiny jobs one at a time on an idle worker: POST -> ffmpeg started, p50/p99; and with the probe first",
  skip: (options) => (options.tinyJobs === 0 ? "--tiny-jobs 0" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    log("generating a 0.2 s 160x120 clip");
    await makeClip(deployment.media(INPUT), {
      width: 160,
      height: 120,
      rate: 30,
      seconds: 0.2,
      ffmpegPath: deployment.workerConfig.ffmpegPath,
    });
    // One untimed job first: the worker is fresh (a deployment per
    // measurement), and its first job's one-off costs (code paths loaded,
    // the clip read from disk) are not dispatch latency.
    await api.waitCompleted(await api.submit({ ...tinyJob, output: "out/warm-up.mp4" }), 60_000);
    const alongside = await timeJobs(api, tinyJob, "tiny", options.tinyJobs, log);
    log("the same with a copy possible, so the probe runs first");
    const first = await timeJobs(api, probeFirstJob, "first", options.tinyJobs, log);
    deployment.assertRunning();
    return withProbeFirst(summarise(alongside.latencies, alongside.totals, alongside), first.latencies);
  },
};

type Timings = { latencies: number[]; totals: number[]; postMs: number[]; pickupMs: number[]; prepMs: number[] };

/** `count` jobs one at a time, each waiting for the previous one to complete. */
async function timeJobs(
  api: ApiClient,
  body: Record<string, unknown>,
  name: string,
  count: number,
  log: (line: string) => void,
): Promise<Timings> {
  const t: Timings = { latencies: [], totals: [], postMs: [], pickupMs: [], prepMs: [] };
  for (let n = 1; n <= count; n++) {
    const sentAt = Date.now(); // wall clock: compared with the worker's ISO timestamp (same machine)
    const t0 = performance.now();
    const jobId = await api.submit({ ...body, output: `out/${name}-${n}.mp4` });
    t.postMs.push(performance.now() - t0);
    const job = await api.waitCompleted(jobId, 60_000);
    t.totals.push(performance.now() - t0);
    const logs = await api.logs(jobId);
    const started = ffmpegStartedAt(logs);
    if (started === null) throw new Error(`job ${jobId} has no "ffmpeg started at" log line:\n${logs.join("\n")}`);
    t.latencies.push(started - sentAt);
    // Where the dispatch time goes: POST answered (API), job taken by the
    // worker (the job's started_at, BullMQ's processedOn), then the worker's
    // own preparation (path checks, log writes, the probe when it runs first).
    const active = Date.parse(job.started_at ?? "");
    if (Number.isFinite(active)) {
      t.pickupMs.push(active - sentAt);
      t.prepMs.push(started - active);
    }
    if (n % 10 === 0 || n === count) log(`${name} jobs: ${n}/${count}`);
  }
  return t;
}

/** The probe-first series as a row of its own, against the alongside p50 of the same run. */
function withProbeFirst(result: MeasurementResult, latencies: number[]): MeasurementResult {
  const p50 = percentile(latencies, 50) ?? Number.NaN;
  const alongside = (result.data.p50_ms as number | null) ?? Number.NaN;
  return {
    ...result,
    rows: [
      ...result.rows,
      {
        metric: `POST -> ffmpeg started, p50, probe first (a copy possible)`,
        value: `${p50.toFixed(1)} ms`,
        baseline: `${alongside.toFixed(1)} ms (probe alongside)`,
        ratio: p50 / alongside,
        goal: null,
        goalMet: null,
      },
    ],
    notes: [...result.notes, `probing first costs ${(p50 - alongside).toFixed(1)} ms of dispatch at p50 (ADR 0022)`],
    data: {
      ...result.data,
      probe_first: { p50_ms: round(p50, 1), p99_ms: round(percentile(latencies, 99), 1), samples_ms: latencies },
    },
  };
}

function summarise(
  latencies: number[],
  totals: number[],
  parts: { postMs: number[]; pickupMs: number[]; prepMs: number[] },
): MeasurementResult {
  const p50 = percentile(latencies, 50) ?? Number.NaN;
  const p99 = percentile(latencies, 99) ?? Number.NaN;
  const ms = (value: number | null) => (value === null ? "n/a" : `${value.toFixed(1)} ms`);
  const jobs = `${latencies.length} tiny job(s)`;
  const breakdown = {
    post_answered: round(percentile(parts.postMs, 50), 1),
    picked_up_by_worker: round(percentile(parts.pickupMs, 50), 1),
    worker_prep_until_ffmpeg: round(percentile(parts.prepMs, 50), 1),
  };
  return {
    rows: [
      {
        metric: `POST -> ffmpeg started, p50 of ${jobs}`,
        value: ms(p50),
        baseline: null,
        ratio: null,
        goal: `<= ${GOAL_P50_MS} ms`,
        goalMet: p50 <= GOAL_P50_MS,
      },
      { metric: "POST -> ffmpeg started, p99", value: ms(p99), baseline: null, ratio: null, goal: null, goalMet: null },
    ],
    notes: [
      `min ${ms(Math.min(...latencies))}, max ${ms(Math.max(...latencies))}; POST -> completed p50 ${ms(percentile(totals, 50))}`,
      `p50 breakdown: POST answered ${ms(breakdown.post_answered)}, taken by the worker ${ms(breakdown.picked_up_by_worker)}, ` +
        `worker prep until ffmpeg ${ms(breakdown.worker_prep_until_ffmpeg)} after that`,
    ],
    data: {
      jobs: latencies.length,
      p50_ms: round(p50, 1),
      p99_ms: round(p99, 1),
      min_ms: round(Math.min(...latencies), 1),
      max_ms: round(Math.max(...latencies), 1),
      goal_p50_ms: GOAL_P50_MS,
      goal_met: p50 <= GOAL_P50_MS,
      post_to_completed_p50_ms: round(percentile(totals, 50), 1),
      breakdown_p50_ms: breakdown,
      samples_ms: latencies,
    },
  };
}

import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { formatCommandLine } from "@converter/shared/ffmpeg";
import type { JobView } from "@converter/shared/jobs";
import { makeClip } from "../../tests/support/media.js";
import type { ApiClient } from "../lib/api-client.js";
import { directCommandOf, ffmpegEnvironment } from "../lib/direct-ffmpeg.js";
import { workerFfmpegSeconds } from "../lib/job-log.js";
import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { type CpuSeconds, cpuDelta, cpuSeconds, cpuSecondsWithLiveChildren } from "../lib/process-cpu.js";
import { rssMb } from "../lib/process-memory.js";
import { median, round } from "../lib/stats.js";

const INPUT = "incoming/one-second.mp4";
const GOAL_RATIO = 1.15;
const GOAL_RSS_MB = 100;
/** Re-encoded (a copy would skip ffmpeg's real work): short jobs such as clips and thumbnails encode. */
const job = (n: number, round: number) => ({
  input: INPUT,
  output: `out/r${round}/short-${n}.mp4`,
  preset: "h264",
  stream_copy: "never",
});

/** Rounds of service-then-xargs pairs: the machine's speed drifts within a run, and a pair runs back to back. */
const ROUNDS = 4;
/** How long the API has had nothing to do when its memory is read at rest: V8's memory reducer acts within it. */
const REST_MS = 30_000;

/**
 * Per-job overhead on a workload of short jobs: N one-second 320x240 clips
 * converted by two workers (concurrency 1 each), from the first POST until
 * the last job completed, against `xargs -P2` running the very ffmpeg
 * commands the workers ran (rebuilt from each job's options and checked
 * against the command line it logged). Done in ROUNDS pairs, each a round
 * of N/ROUNDS jobs through the service and then the same commands under
 * xargs, so a drift of the machine's speed between pairs does not skew the
 * ratio (the median of the pairs'); the API's memory after each round shows
 * whether it stays flat.
 */
export const shortJobs: Measurement = {
  name: "short-jobs",
  summary: "N one-second 320x240 clips: 2 workers x concurrency 1 / xargs -P2 of the same ffmpeg commands; API RSS",
  deployment: { workers: 2, env: { MAX_QUEUED_JOBS: "100000" } },
  skip: (options) => (options.shortJobs === 0 ? "--short-jobs 0" : undefined),
  async run({ deployment, options, log, signal }) {
    const { api } = deployment;
    await makeClip(deployment.media(INPUT), { seconds: 1, ffmpegPath: deployment.workerConfig.ffmpegPath });
    await api.waitCompleted(await api.submit({ ...job(0, 0), output: "out/warm-up.mp4" }), 60_000);
    const rssStart = rssMb(deployment.apiPid);
    // Where the CPU goes: the API, the workers' own code, and what the workers ran (ffmpeg, and
    // ffprobe or the probe servers), counted over the service's rounds only.
    const pids = { api: deployment.apiPid, workers: deployment.workerPids };
    const serviceCpu = { api: 0, workerNode: 0, workerChildren: 0 };
    const env = ffmpegEnvironment(deployment.workerConfig);
    const scratch = deployment.media("direct");
    mkdirSync(scratch, { recursive: true });
    const pairs: { serviceMs: number; baselineMs: number; ratio: number }[] = [];
    const lines: string[] = [];
    const rssAfterRound: number[] = [];
    let ffmpegSeconds = 0;
    let baselineCpu = 0;
    let lastJobAt = performance.now();
    const sizes = roundSizes(options.shortJobs);
    for (const [index, count] of sizes.entries()) {
      log(`round ${index + 1}: ${count} jobs through the service, then their ffmpeg commands with xargs -P2`);
      const before = { api: cpuSeconds(pids.api), workers: pids.workers.map((pid) => cpuSecondsWithLiveChildren(pid)) };
      const timed = await runThroughService(api, count, index + 1, log);
      lastJobAt = performance.now();
      serviceCpu.api += cpuDelta(before.api, cpuSeconds(pids.api)).self;
      pids.workers.forEach((pid, n) => {
        const used = cpuDelta(before.workers[n] as CpuSeconds, cpuSecondsWithLiveChildren(pid));
        serviceCpu.workerNode += used.self;
        serviceCpu.workerChildren += used.children;
      });
      rssAfterRound.push(rssMb(deployment.apiPid));
      deployment.assertRunning();
      const roundLines: string[] = [];
      for (const view of timed.jobs) {
        const logs = await api.logs(view.job_id);
        ffmpegSeconds += workerFfmpegSeconds(logs) ?? 0;
        const target = path.join(scratch, `${lines.length + roundLines.length}.mp4`);
        const command = await directCommandOf(view, logs, deployment.workerConfig, target);
        roundLines.push(formatCommandLine(command.ffmpegPath, command.args));
      }
      // In the environment the worker gives ffmpeg (ADR 0034's malloc settings), so the ratio is the service's own cost.
      const benchBefore = cpuSeconds("self");
      const baselineMs = await xargsParallel(roundLines, 2, env, signal);
      baselineCpu += cpuDelta(benchBefore, cpuSeconds("self")).children;
      pairs.push({ serviceMs: timed.ms, baselineMs, ratio: timed.ms / baselineMs });
      lines.push(...roundLines);
    }
    // And as a hand-written script would run them, with glibc's defaults: what those settings bring.
    let untunedMs: number | undefined;
    let tunedMs: number | undefined;
    if (deployment.workerConfig.ffmpegGlibcTunables !== undefined) {
      log(`the ${lines.length} ffmpeg commands with xargs -P2, the worker's malloc settings and then glibc's defaults`);
      tunedMs = await xargsParallel(lines, 2, env, signal);
      untunedMs = await xargsParallel(lines, 2, ffmpegEnvironment({ ffmpegGlibcTunables: undefined }), signal);
    }
    rmSync(scratch, { recursive: true, force: true });
    // Growth that V8 gives back once the API is idle is its heap's headroom (ADR 0036), not a leak.
    const idleMs = performance.now() - lastJobAt;
    if (idleMs < REST_MS) await sleep(REST_MS - idleMs, undefined, { signal });
    const rssAtRest = rssMb(deployment.apiPid);
    const restSeconds = Math.round((performance.now() - lastJobAt) / 1000);

    const jobs = lines.length;
    const serviceMs = pairs.reduce((sum, pair) => sum + pair.serviceMs, 0);
    const baselineMs = pairs.reduce((sum, pair) => sum + pair.baselineMs, 0);
    const ratio = median(pairs.map((pair) => pair.ratio)) ?? serviceMs / baselineMs;
    const perJobOverheadMs = (2 * serviceMs - ffmpegSeconds * 1000) / jobs;
    const rssEnd = rssAfterRound.at(-1) ?? rssStart;
    const perJob = (seconds: number) => `${round((seconds * 1000) / jobs, 1)} ms`;
    return {
      rows: [
        {
          metric: `${jobs} one-second clips in ${pairs.length} pairs, 2 workers / xargs -P2 (median of the pairs)`,
          value: `${(serviceMs / 1000).toFixed(1)} s`,
          baseline: `${(baselineMs / 1000).toFixed(1)} s`,
          ratio: round(ratio, 3),
          goal: `<= ${GOAL_RATIO}`,
          goalMet: ratio <= GOAL_RATIO,
        },
        ...(untunedMs === undefined || tunedMs === undefined
          ? []
          : [
              {
                metric: "the same commands, xargs -P2: worker's malloc settings / glibc's defaults",
                value: `${(tunedMs / 1000).toFixed(1)} s`,
                baseline: `${(untunedMs / 1000).toFixed(1)} s`,
                ratio: round(tunedMs / untunedMs, 3),
                goal: null,
                goalMet: null,
              },
            ]),
        absoluteRow("API RSS after the short jobs", `${rssEnd} MB`, `<= ${GOAL_RSS_MB} MB`, rssEnd <= GOAL_RSS_MB),
        {
          metric: `API RSS at rest, ${restSeconds} s after the last job`,
          value: `${rssAtRest} MB`,
          baseline: null,
          ratio: null,
          goal: null,
          goalMet: null,
        },
      ],
      notes: [
        `pairs (service / xargs): ${pairs.map((pair) => `${(pair.serviceMs / 1000).toFixed(1)} / ${(pair.baselineMs / 1000).toFixed(1)} s = ${round(pair.ratio, 3)}`).join("; ")}; all jobs together ${round(serviceMs / baselineMs, 3)}`,
        `ffmpeg ran ${round(ffmpegSeconds, 1)} s in the workers; worker time per job around it: ${round(perJobOverheadMs, 1)} ms`,
        `CPU per job: API ${perJob(serviceCpu.api)}, worker node ${perJob(serviceCpu.workerNode)}, worker's ffmpeg + probes ${perJob(serviceCpu.workerChildren)}; xargs' ffmpeg alone ${perJob(baselineCpu)}`,
        `API RSS ${rssStart} MB after the warm-up job, ${rssAfterRound.map((mb) => `${mb} MB`).join(", ")} after each round of ${sizes.join(", ")} jobs`,
      ],
      data: {
        jobs,
        service_ms: round(serviceMs, 0),
        baseline_ms: round(baselineMs, 0),
        pairs: pairs.map((pair) => ({
          service_ms: round(pair.serviceMs, 0),
          baseline_ms: round(pair.baselineMs, 0),
          ratio: round(pair.ratio, 3),
        })),
        baseline_glibc_defaults_ms: untunedMs === undefined ? null : round(untunedMs, 0),
        baseline_worker_malloc_ms: tunedMs === undefined ? null : round(tunedMs, 0),
        ratio: round(ratio, 3),
        worker_ffmpeg_seconds: round(ffmpegSeconds, 2),
        rss_mb: { start: rssStart, after_rounds: rssAfterRound, at_rest: rssAtRest, rest_seconds: restSeconds },
        cpu_seconds: {
          api_s: round(serviceCpu.api, 2),
          worker_node_s: round(serviceCpu.workerNode, 2),
          worker_children_s: round(serviceCpu.workerChildren, 2),
          xargs_ffmpeg_s: round(baselineCpu, 2),
        },
      },
    };
  },
};

/** N jobs in ROUNDS rounds as even as can be, none empty: 10 -> 3, 3, 2, 2; 2 -> 1, 1. */
function roundSizes(total: number): number[] {
  const rounds = Math.min(ROUNDS, total);
  return Array.from({ length: rounds }, (_, n) => Math.floor(total / rounds) + (n < total % rounds ? 1 : 0));
}

/** Submits `count` jobs at once, then waits for all of them; ms from the first POST to the last completion seen. */
async function runThroughService(
  api: ApiClient,
  count: number,
  round: number,
  log: (line: string) => void,
): Promise<{ ms: number; jobs: JobView[] }> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let n = 0; n < count; n += 10) {
    const batch = Array.from({ length: Math.min(10, count - n) }, (_, i) => api.submit(job(n + i, round)));
    ids.push(...(await Promise.all(batch)));
  }
  const jobs: JobView[] = [];
  // Jobs finish about in order: poll the oldest unfinished one, so the polling costs the API next to nothing.
  while (jobs.length < ids.length) {
    const view = await api.job(ids[jobs.length] as string);
    if (view.status === "completed") {
      jobs.push(view);
      if (jobs.length % 100 === 0) log(`${jobs.length}/${ids.length} completed`);
      continue;
    }
    if (view.status === "failed" || view.status === "cancelled") {
      throw new Error(`job ${view.job_id} ${view.status}: ${JSON.stringify(view.error)}`);
    }
    await sleep(50);
  }
  return { ms: performance.now() - t0, jobs };
}

/** `xargs -P<parallel>` over shell-quoted command lines; ms from start to the last one's exit. */
function xargsParallel(
  lines: readonly string[],
  parallel: number,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("xargs", ["-d", "\\n", `-P${parallel}`, "-I{}", "sh", "-c", "{} </dev/null >/dev/null 2>&1"], {
      stdio: ["pipe", "ignore", "inherit"],
      env,
      signal,
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`xargs exited ${code}: a command failed`)),
    );
    child.stdin.end(`${lines.join("\n")}\n`);
  });
}

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
import { round } from "../lib/stats.js";

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

/**
 * Per-job overhead on a workload of short jobs: N one-second 320x240 clips
 * converted by two workers (concurrency 1 each), from the first POST until
 * the last job completed, against `xargs -P2` running the very ffmpeg
 * commands the workers ran (rebuilt from each job's options and checked
 * against the command line it logged). Done as two rounds of N/2 so the
 * API's memory after each shows whether it stays flat.
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
    // ffprobe or the probe servers).
    const pids = { api: deployment.apiPid, workers: deployment.workerPids };
    const cpuBefore = {
      api: cpuSeconds(pids.api),
      workers: pids.workers.map((pid) => cpuSecondsWithLiveChildren(pid)),
    };
    const half = Math.ceil(options.shortJobs / 2);
    const rounds = [half, options.shortJobs - half].filter((n) => n > 0);
    let serviceMs = 0;
    const jobs: JobView[] = [];
    const rssAfterRound: number[] = [];
    for (const [index, count] of rounds.entries()) {
      log(`round ${index + 1}: ${count} jobs through the service`);
      const timed = await runThroughService(api, count, index + 1, log);
      serviceMs += timed.ms;
      jobs.push(...timed.jobs);
      rssAfterRound.push(rssMb(deployment.apiPid));
    }
    deployment.assertRunning();
    const apiCpu = cpuDelta(cpuBefore.api, cpuSeconds(pids.api)).self;
    const workerCpu = pids.workers
      .map((pid, n) => cpuDelta(cpuBefore.workers[n] as CpuSeconds, cpuSecondsWithLiveChildren(pid)))
      .reduce((sum, d) => ({ self: sum.self + d.self, children: sum.children + d.children }), { self: 0, children: 0 });

    log(`the same ${jobs.length} ffmpeg commands with xargs -P2`);
    const scratch = deployment.media("direct");
    mkdirSync(scratch, { recursive: true });
    const lines: string[] = [];
    let ffmpegSeconds = 0;
    for (const [n, view] of jobs.entries()) {
      const logs = await api.logs(view.job_id);
      ffmpegSeconds += workerFfmpegSeconds(logs) ?? 0;
      const command = await directCommandOf(view, logs, deployment.workerConfig, path.join(scratch, `${n}.mp4`));
      lines.push(formatCommandLine(command.ffmpegPath, command.args));
    }
    // In the environment the worker gives ffmpeg (ADR 0034's malloc settings), so the ratio is the service's own cost.
    const benchBefore = cpuSeconds("self");
    const baselineMs = await xargsParallel(lines, 2, ffmpegEnvironment(deployment.workerConfig), signal);
    const baselineCpu = cpuDelta(benchBefore, cpuSeconds("self")).children;
    // And as a hand-written script would run them, with glibc's defaults: what those settings bring.
    let untunedMs: number | undefined;
    if (deployment.workerConfig.ffmpegGlibcTunables !== undefined) {
      log(`the same ${jobs.length} ffmpeg commands with xargs -P2, glibc's malloc defaults`);
      untunedMs = await xargsParallel(lines, 2, ffmpegEnvironment({ ffmpegGlibcTunables: undefined }), signal);
    }
    rmSync(scratch, { recursive: true, force: true });

    const ratio = serviceMs / baselineMs;
    const perJobOverheadMs = (2 * serviceMs - ffmpegSeconds * 1000) / jobs.length;
    const rssEnd = rssAfterRound.at(-1) ?? rssStart;
    const perJob = (seconds: number) => `${round((seconds * 1000) / jobs.length, 1)} ms`;
    const cpu = {
      api_s: round(apiCpu, 2),
      worker_node_s: round(workerCpu.self, 2),
      worker_children_s: round(workerCpu.children, 2),
      xargs_ffmpeg_s: round(baselineCpu, 2),
    };
    return {
      rows: [
        {
          metric: `${jobs.length} one-second clips, 2 workers / xargs -P2`,
          value: `${(serviceMs / 1000).toFixed(1)} s`,
          baseline: `${(baselineMs / 1000).toFixed(1)} s`,
          ratio: round(ratio, 3),
          goal: `<= ${GOAL_RATIO}`,
          goalMet: ratio <= GOAL_RATIO,
        },
        ...(untunedMs === undefined
          ? []
          : [
              {
                metric: "the same commands, xargs -P2: worker's malloc settings / glibc's defaults",
                value: `${(baselineMs / 1000).toFixed(1)} s`,
                baseline: `${(untunedMs / 1000).toFixed(1)} s`,
                ratio: round(baselineMs / untunedMs, 3),
                goal: null,
                goalMet: null,
              },
            ]),
        absoluteRow("API RSS after the short jobs", `${rssEnd} MB`, `<= ${GOAL_RSS_MB} MB`, rssEnd <= GOAL_RSS_MB),
      ],
      notes: [
        `ffmpeg ran ${round(ffmpegSeconds, 1)} s in the workers; worker time per job around it: ${round(perJobOverheadMs, 1)} ms`,
        `CPU per job: API ${perJob(apiCpu)}, worker node ${perJob(workerCpu.self)}, worker's ffmpeg + probes ${perJob(workerCpu.children)}; xargs' ffmpeg alone ${perJob(baselineCpu)}`,
        `API RSS ${rssStart} MB after the warm-up job, ${rssAfterRound.map((mb) => `${mb} MB`).join(", then ")} after each round of ${rounds.join(" and ")} jobs`,
      ],
      data: {
        jobs: jobs.length,
        service_ms: round(serviceMs, 0),
        baseline_ms: round(baselineMs, 0),
        baseline_glibc_defaults_ms: untunedMs === undefined ? null : round(untunedMs, 0),
        ratio: round(ratio, 3),
        worker_ffmpeg_seconds: round(ffmpegSeconds, 2),
        rss_mb: { start: rssStart, after_rounds: rssAfterRound },
        cpu_seconds: cpu,
      },
    };
  },
};

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

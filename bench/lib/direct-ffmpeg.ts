import { spawn } from "node:child_process";
import type { WorkerConfig } from "@converter/shared/config/worker";
import { buildFfmpegArgs, formatCommandLine } from "@converter/shared/ffmpeg";
import type { JobView } from "@converter/shared/jobs";
import { resolveInputPath } from "@converter/shared/media-path";
import { tuneChildMalloc } from "../../packages/worker/src/ffmpeg/glibc-tunables.js";
// The descriptors the worker hands ffmpeg its files as, so the comparison with its logged command is exact.
import { INPUT_FD_PATH, OUTPUT_FD_PATH } from "../../packages/worker/src/lifecycle/plan-encode.js";

/** A finished job's ffmpeg command, writing somewhere else: the direct baseline. */
export type DirectCommand = {
  ffmpegPath: string;
  args: string[];
  outputPath: string;
  /** The environment the worker gives ffmpeg (its GLIBC_TUNABLES, ADR 0034), so the baseline runs alike. */
  env: NodeJS.ProcessEnv;
  /** The command line the worker logged for the job. */
  workerCommandLine: string;
};

/**
 * The argv the worker ran for a completed job, built the way the worker
 * builds it (packages/worker/src/lifecycle/plan-encode.ts): the shared
 * buildFfmpegArgs over the job's resolved options and encoder and the
 * worker's limits, reading the job's input resolved under the media root and
 * writing to `outputPath`. Nothing is parsed back from the shell-quoted line:
 * instead that line (the first of the job's log, formatCommandLine of the
 * worker's argv, which names the files by the descriptors the worker gave
 * ffmpeg) must equal formatCommandLine of the same argv. If the worker ran
 * anything else this throws rather than time different work.
 */
export async function directCommandOf(
  job: JobView,
  logs: readonly string[],
  worker: Pick<WorkerConfig, "mediaRoot" | "ffmpegPath" | "limits" | "ffmpegGlibcTunables">,
  outputPath: string,
): Promise<DirectCommand> {
  const input = await resolveInputPath(worker.mediaRoot, job.input);
  if (!input.ok) throw new Error(`the job's input ${job.input}: ${input.error.message}`);
  const argsFor = (inputPath: string, outputPath: string) =>
    buildFfmpegArgs({
      inputPath,
      outputPath,
      options: job.options,
      videoEncoder: job.encoder,
      maxInputPixels: worker.limits.maxInputPixels,
      maxOutputBytes: worker.limits.maxOutputBytes,
    });

  const logged = logs[0] ?? "";
  const expected = formatCommandLine(worker.ffmpegPath, argsFor(INPUT_FD_PATH, OUTPUT_FD_PATH));
  const same = logged === expected;
  if (!same) {
    throw new Error(
      `job ${job.job_id}: the worker ran a different ffmpeg command than buildFfmpegArgs gives for its options, ` +
        `so the direct run would not do the same work (is packages/*/dist stale?)\n` +
        `  worker logged: ${logged}\n  bench expects: ${expected}`,
    );
  }
  return {
    ffmpegPath: worker.ffmpegPath,
    args: argsFor(input.value.absolute, outputPath),
    outputPath,
    env: ffmpegEnvironment(worker),
    workerCommandLine: logged,
  };
}

/** This process's environment with the GLIBC_TUNABLES the worker gives its ffmpeg (ADR 0034). */
export function ffmpegEnvironment(worker: Pick<WorkerConfig, "ffmpegGlibcTunables">): NodeJS.ProcessEnv {
  const env = { ...process.env };
  tuneChildMalloc(worker.ffmpegGlibcTunables, env);
  return env;
}

/**
 * Runs the command as the worker runs ffmpeg (no shell; its environment; stdout and stderr
 * piped and drained; detached, so in a session of its own: the worker's
 * ffmpeg is detached too, and under the kernel's per-session autogroup
 * scheduling both then get the same share of the CPU). Resolves with the
 * milliseconds from spawn to exit; rejects on a non-zero exit. The signal
 * kills it (a detached ffmpeg does not get the terminal's Ctrl-C).
 */
export function runDirect(command: DirectCommand, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command.ffmpegPath, command.args, {
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
      detached: true,
      env: command.env,
      signal,
      killSignal: "SIGKILL",
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once("error", reject);
    child.once("close", (code, killedBy) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else
        reject(new Error(`direct ffmpeg ${killedBy ? `killed by ${killedBy}` : `exited ${code}`}: ${stderr.trim()}`));
    });
  });
}

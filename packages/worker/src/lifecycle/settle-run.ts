import type { Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import { CANCELLED_BY_CLIENT, type Container } from "@converter/shared/jobs";
import { WaitingError } from "bullmq";
import { failureCause, isDiskFull } from "../ffmpeg/failure-cause.js";
import type { FfmpegOutcome } from "../ffmpeg/run-ffmpeg.js";
import { fdPath } from "../media-files/descriptor-paths.js";
import { diskFull } from "./disk-space.js";
import { verdictFailure } from "./input-verdict.js";
import { permanent, transient } from "./job-failure.js";
import type { EncodePlan, RunningEncode } from "./plan-encode.js";
import type { EncodeOutcome } from "./run-encode.js";
import { shownPaths } from "./shown-paths.js";
import { STOP_REASONS, type StopReason } from "./stop-reason.js";

/**
 * Step 4 of a run: what ffmpeg's end means for the job. Every way it can
 * end other than a clean exit with a file becomes the failure the client
 * sees; what is left is the temporary file to verify and publish.
 */
export async function settleRun(plan: RunningEncode, outcome: EncodeOutcome, stallTimeoutMs: number): Promise<Stats> {
  const { run, verdict } = outcome;
  const shown = (text: string) => shownPaths(plan, text);
  const rejected = verdictFailure(verdict, shown);
  if (rejected) throw rejected;
  if (run.timedOut) throw timeoutFailure(plan.limits.jobTimeoutSeconds);
  if (run.aborted) await stopped(plan, outcome.stopReason, stallTimeoutMs);
  const tempFile = await stillOurs(plan);
  // -fs stops ffmpeg at the limit and it exits 0: a cut-short file must not be published as a result.
  if ((tempFile?.size ?? 0) >= plan.limits.maxOutputBytes) {
    throw permanent(
      "output_too_large",
      `the output reached MAX_OUTPUT_BYTES (${plan.limits.maxOutputBytes} bytes); ffmpeg was stopped there and the partial file discarded`,
    );
  }
  const failed = exitFailure(run, { output: plan.data.output, container: plan.data.options.container, shown });
  if (failed) throw failed;
  // Removed under ffmpeg's feet (an operator, a sweep on another node): not
  // the media's fault, so another attempt may well succeed.
  if (!tempFile) {
    throw transient(
      "worker_error",
      "the temporary output vanished before it could be published; the job will be retried",
    );
  }
  return tempFile;
}

/** ffmpeg killed at the wall-clock limit: the media (or its options) costs more than a job may take. */
export function timeoutFailure(jobTimeoutSeconds: number) {
  return permanent("job_timeout", `ffmpeg ran longer than JOB_TIMEOUT_SECONDS (${jobTimeoutSeconds} s) and was killed`);
}

/** What a failure says of the output ffmpeg wrote: its name as the client gave it, its container, paths as shown. */
type RunOutput = { output: string; container: Container; shown: (text: string) => string };

/**
 * What ffmpeg's own end says of a run nobody stopped: a write it could not
 * finish (before the exit status: ffmpeg 5.1 exits 0 when only its trailer
 * could not be written), a full disk (retried: space may be freed), or
 * another non-zero exit in ffmpeg's own words. Undefined for a clean end.
 */
export function exitFailure(run: FfmpegOutcome, job: RunOutput) {
  if (run.writeErrors.length > 0) return writeFailure(job, run.writeErrors);
  if (run.exitCode === 0) return undefined;
  if (run.stderrTail.some(isDiskFull)) return diskFull(job.output, "ffmpeg could not write it");
  const cause = job.shown(failureCause(run.stderrTail, job.container) ?? "no output");
  const how = run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
  return permanent("ffmpeg_failed", `ffmpeg ${how}: ${cause}`);
}

/**
 * A run stopped before ffmpeg finished. A cancelled job ends for good; a
 * stalled ffmpeg fails this attempt (BullMQ retries it while attempts are
 * left); a stopping worker puts the job back in the queue without spending
 * one of its attempts; a run that lost its lock just ends (the job is
 * someone else's now).
 */
async function stopped(plan: EncodePlan, reason: StopReason | undefined, stallTimeoutMs: number): Promise<never> {
  const why = reason ? STOP_REASONS[reason] : "aborted";
  await plan.jobLog(`ffmpeg stopped: ${why}`);
  plan.log.info({ reason: why }, "job stopped");
  if (reason === "cancelled") throw permanent(CANCELLED_BY_CLIENT.code, CANCELLED_BY_CLIENT.message);
  if (reason === "stalled") {
    throw transient(
      "ffmpeg_stalled",
      `ffmpeg made no progress for ${Math.round(stallTimeoutMs / 1000)} s and was killed`,
    );
  }
  if (reason === "shutdown" && plan.token && (await handedBack(plan, plan.token))) throw new WaitingError();
  throw transient("worker_error", `the worker stopped the job (${why}); it will be retried`);
}

/** Puts the job back in the queue without spending an attempt; false when Redis would not take it. */
async function handedBack(plan: EncodePlan, token: string): Promise<boolean> {
  try {
    await plan.job.moveToWait(token);
    return true;
  } catch {
    // Could not hand it back (Redis away): a plain failure retries it instead.
    return false;
  }
}

/**
 * This run's temporary file as its folder names it now, or undefined when
 * the name is gone or names another file: only what is still there under
 * its own name can be published.
 */
async function stillOurs(plan: RunningEncode): Promise<Stats | undefined> {
  const [named, held] = await Promise.all([
    lstat(fdPath(plan.files.outputDir.fd, plan.tempName)).catch(() => undefined),
    plan.temp.stat(),
  ]);
  return named?.isFile() && named.ino === held.ino && named.dev === held.dev ? named : undefined;
}

/**
 * ffmpeg could not write all of the output: a full disk (retried: space may
 * be freed), another I/O error of the machine (retried too), or a trailer it
 * could not finish for any other reason (the media's or the muxer's: final).
 * The file is never published, whatever ffmpeg's exit status.
 */
function writeFailure(job: RunOutput, lines: readonly string[]) {
  const shown = job.shown(lines[0] ?? "");
  if (lines.some(isDiskFull)) return diskFull(job.output, `ffmpeg could not finish writing it (${shown})`);
  if (lines.some((line) => /Input\/output error/.test(line))) {
    return transient("worker_error", `the worker could not write the output (${shown}); the job will be retried`);
  }
  return permanent("ffmpeg_failed", `ffmpeg could not finish writing the output: ${shown}`);
}

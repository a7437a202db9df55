import { randomUUID } from "node:crypto";
import { link, mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import {
  buildFfmpegArgs,
  CANCELLED_BY_CLIENT,
  ConvertJobData,
  type ConvertJobReturn,
  DEFAULT_JOB_LIMITS,
  formatCommandLine,
  formatFailedReason,
  type HardwareMode,
  type JobLimits,
  type JobProgress,
  type JobResult,
  type Logger,
  type ResolvedOptions,
  resolveInputPath,
  resolveOutputPath,
  TEMP_SUFFIX,
  temporaryOutputPath,
  temporaryPrefix,
} from "@converter/shared";
import { type Job, UnrecoverableError, WaitingError } from "bullmq";
import { chooseVideoEncoder } from "../capabilities/choose-encoder.js";
import { type MediaInfo, probeMedia } from "../ffmpeg/probe.js";
import { expectedDuration, ProgressTracker } from "../ffmpeg/progress-tracker.js";
import { type FfmpegOutcome, runFfmpeg } from "../ffmpeg/run-ffmpeg.js";
import { inputLimitBreach, inputSizeBreach, type LimitBreach } from "./input-limits.js";

export type ProcessorDeps = {
  workerName: string;
  /** Real path of MEDIA_ROOT on this node. */
  mediaRoot: string;
  ffmpegPath: string;
  ffprobePath: string;
  hardware: HardwareMode;
  encoders: Record<string, boolean>;
  log: Logger;
  progressIntervalMs?: number;
  /** ffmpeg that makes no progress for this long is killed and its job retried. */
  stallTimeoutMs: number;
  /**
   * Whether a client asked to cancel the job (the durable marker in Redis).
   * Read when a run starts and again just before it publishes, so a job
   * cancelled while nobody ran it never converts and a cancel that raced
   * the end of an encode never leaves a file behind.
   */
  isCancelRequested: (jobId: string) => Promise<boolean>;
  /** What one job may take (docs/adr/0007-hostile-input.md); the documented defaults when left out. */
  limits?: JobLimits;
};

/** A permanent failure: no retry, the code travels in the failure reason. */
function permanent(code: string, message: string): UnrecoverableError {
  return new UnrecoverableError(formatFailedReason(code, message));
}

/** A failure another attempt may fix (the worker was stopping, a transient I/O error). */
function transient(code: string, message: string): Error {
  return new Error(formatFailedReason(code, message));
}

/** Everything one encode needs once the job's paths and encoder are settled. */
type EncodePlan = {
  job: Job;
  /** BullMQ's lock token of this run. */
  token: string | undefined;
  data: ConvertJobData;
  inputPath: string;
  limits: JobLimits;
  targetPath: string;
  tempPath: string;
  encoder: string | null;
  signal: AbortSignal | undefined;
  log: Logger;
  jobLog: (line: string) => Promise<unknown>;
};

/** Why a run is stopped from outside: the worker is stopping, or another worker now owns the job. */
export const STOP_REASONS = {
  shutdown: "worker shutting down",
  lostLock: "the worker lost the job's lock",
  cancelled: "cancelled by a client request",
  stalled: "ffmpeg stopped making progress",
} as const;

const cancelledError = () => permanent(CANCELLED_BY_CLIENT.code, CANCELLED_BY_CLIENT.message);

/** How long the lock is extended while the finished file is published. */
const PUBLISH_LOCK_MS = 30_000;

/**
 * Converts one job: re-resolve the paths, choose the encoder, run ffmpeg
 * (with ffprobe alongside) into a temporary file beside the target, read the
 * result back with ffprobe, and move the file into place.
 */
export function createConvertProcessor(deps: ProcessorDeps) {
  return async function convert(job: Job, token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    const parsed = ConvertJobData.safeParse(job.data);
    if (!parsed.success) throw permanent("worker_error", "the queued job has an unreadable payload");
    const data = parsed.data;
    const log = deps.log.child({ job_id: data.job_id, request_id: data.request_id, attempt: job.attemptsMade + 1 });
    const jobLog = (line: string) => job.log(line).catch(() => undefined);
    if (await deps.isCancelRequested(data.job_id)) {
      await jobLog("cancelled before it started");
      throw cancelledError();
    }

    // The worker never trusts the queue: paths are resolved again on this node.
    const input = await resolveInputPath(deps.mediaRoot, data.input);
    if (!input.ok) throw permanent(input.error.code, input.error.message);
    const output = await resolveOutputPath(deps.mediaRoot, data.output);
    if (!output.ok) throw permanent(output.error.code, output.error.message);
    const limits = deps.limits ?? DEFAULT_JOB_LIMITS;
    // Checked before anything opens the file; the probe checks the rest of the limits.
    const inputBytes = (await stat(input.value.absolute).catch(() => undefined))?.size ?? 0;
    const tooLarge = inputSizeBreach(inputBytes, limits);
    if (tooLarge) throw permanent(tooLarge.code, tooLarge.message);
    const targetPath = output.value.absolute;
    // Files of earlier runs of this job (a crashed or stalled worker) are garbage now.
    await removeTemporaryFiles(targetPath, data.job_id);

    if (output.value.exists && !data.overwrite) {
      // An earlier run may have published the file and died before BullMQ heard of it.
      const published = await publishedByThisJob(targetPath, data);
      if (published) {
        const probe = await probeMedia(deps.ffprobePath, targetPath);
        if (!probe.ok) throw permanent("ffmpeg_failed", `the published output is unreadable: ${probe.reason}`);
        return finishedResult(deps, { data, jobLog, log }, published.encoder, null, probe.info, published.size);
      }
      throw permanent("output_exists", `${data.output} appeared while the job was queued; it was left untouched`);
    }
    const choice = chooseVideoEncoder(data.options.video_codec, data.options.hardware, deps.hardware, deps.encoders);
    if (!choice.ok) throw permanent(choice.code, choice.message);

    const plan: EncodePlan = {
      job,
      token,
      data,
      inputPath: input.value.absolute,
      limits,
      targetPath,
      tempPath: temporaryOutputPath(targetPath, data.job_id, token?.slice(0, 8) ?? randomUUID().slice(0, 8)),
      encoder: choice.encoder,
      signal,
      log,
      jobLog,
    };
    await mkdir(path.dirname(targetPath), { recursive: true });
    try {
      return await encode(deps, plan);
    } catch (error) {
      // A failed run leaves neither the target nor its temporary file.
      await rm(plan.tempPath, { force: true });
      if (isExpected(error)) throw error;
      // Our bug or the machine's trouble: full detail in the worker's log, a
      // retryable failure without this node's paths for the client.
      log.error({ err: error }, "unexpected error while converting");
      throw transient("worker_error", shownPaths(plan, error instanceof Error ? error.message : String(error)));
    }
  };
}

function isExpected(error: unknown): boolean {
  return (
    error instanceof UnrecoverableError ||
    error instanceof WaitingError ||
    (error instanceof Error && /^\[[a-z_]+\] /.test(error.message))
  );
}

/** Clients see paths relative to MEDIA_ROOT, never this node's layout. */
function shownPaths(plan: Pick<EncodePlan, "inputPath" | "tempPath" | "targetPath" | "data">, text: string): string {
  return text
    .replaceAll(`file:${plan.inputPath}`, plan.data.input)
    .replaceAll(plan.inputPath, plan.data.input)
    .replaceAll(`file:${plan.tempPath}`, plan.data.output)
    .replaceAll(plan.tempPath, plan.data.output)
    .replaceAll(plan.targetPath, plan.data.output);
}

/** What the input probe decided, once: usable, unusable media, or a worker that cannot probe. */
type ProbeVerdict =
  | { kind: "usable"; info: MediaInfo }
  | { kind: "unusable"; reason: string }
  | { kind: "over_limit"; breach: LimitBreach }
  | { kind: "broken"; reason: string };

async function encode(deps: ProcessorDeps, plan: EncodePlan): Promise<ConvertJobReturn> {
  const { job, data, log, jobLog, signal } = plan;
  const o = data.options;
  const shown = (text: string) => shownPaths(plan, text);

  // The arguments do not depend on the probe (streams are mapped with '?'), so
  // ffprobe and ffmpeg start together and the probe's ~60 ms stay off the
  // dispatch path (ADR 0006). The probe still decides: unusable media fails
  // as invalid_media, and its duration turns encoded time into a percentage.
  const args = buildFfmpegArgs({
    inputPath: plan.inputPath,
    outputPath: plan.tempPath,
    options: o,
    videoEncoder: plan.encoder,
    maxInputPixels: plan.limits.maxInputPixels,
    maxOutputBytes: plan.limits.maxOutputBytes,
  });
  void jobLog(formatCommandLine(deps.ffmpegPath, args));

  const tracker = new ProgressTracker(null, deps.progressIntervalMs ?? 1000);
  const report = (p: Omit<JobProgress, "encoder" | "worker">) =>
    job
      .updateProgress({ ...p, encoder: plan.encoder, worker: deps.workerName } satisfies JobProgress)
      .catch((error) => log.warn({ err: error }, "could not report progress"));

  // Stops ffmpeg for the worker's own reasons (bad media) as well as BullMQ's (shutdown, lost lock).
  const stopFfmpeg = new AbortController();
  const forwardAbort = () => stopFfmpeg.abort(signal?.reason);
  signal?.addEventListener("abort", forwardAbort, { once: true });
  if (signal?.aborted) forwardAbort();

  // A hung ffmpeg (a stuck read from a network share, a wedged GPU) would
  // otherwise hold the job in_progress forever while its lock stays renewed.
  // Progress is encoded time moving on, or the output still being written:
  // MP4's faststart pass rewrites the whole file after the last progress
  // report, which takes minutes for a large file on slow storage.
  let lastAdvanceAt = Date.now();
  let furthestOutTime = -1;
  const noteAdvance = (outTime: number | null) => {
    if (outTime !== null && outTime > furthestOutTime) {
      furthestOutTime = outTime;
      lastAdvanceAt = Date.now();
    }
  };
  const watchdog = setInterval(
    () => {
      if (Date.now() - lastAdvanceAt < deps.stallTimeoutMs) return;
      void stat(plan.tempPath).then(
        (file) => {
          if (file.mtimeMs > lastAdvanceAt) lastAdvanceAt = file.mtimeMs;
          else stopFfmpeg.abort(STOP_REASONS.stalled);
        },
        () => stopFfmpeg.abort(STOP_REASONS.stalled),
      );
    },
    Math.min(1000, deps.stallTimeoutMs / 4),
  );
  watchdog.unref();

  const probing: Promise<ProbeVerdict> = probeMedia(deps.ffprobePath, plan.inputPath).then(
    (probe): ProbeVerdict => {
      const problem = probe.ok ? unusableInput(probe.info, o) : probe.reason;
      if (problem !== undefined || !probe.ok) {
        const reason = problem ?? "the input is unreadable";
        stopFfmpeg.abort(new Error(reason));
        return { kind: "unusable", reason };
      }
      // A decompression bomb is stopped as soon as its description is known, even mid-encode.
      const breach = inputLimitBreach(probe.info, plan.limits);
      if (breach) {
        stopFfmpeg.abort(new Error(breach.message));
        return { kind: "over_limit", breach };
      }
      tracker.setDuration(expectedDuration(probe.info.durationSeconds, o));
      void jobLog(
        `worker ${deps.workerName}, attempt ${job.attemptsMade + 1}: input ${describe(probe.info)}; encoder ${plan.encoder ?? o.video_codec}`,
      );
      return { kind: "usable", info: probe.info };
    },
    // ffprobe itself cannot run here (FFPROBE_PATH wrong): this worker's fault, not the media's.
    (error: Error): ProbeVerdict => {
      stopFfmpeg.abort(error);
      return { kind: "broken", reason: `ffprobe cannot be run on this worker: ${error.message}` };
    },
  );

  let run: FfmpegOutcome;
  try {
    run = await runFfmpeg({
      ffmpegPath: deps.ffmpegPath,
      args,
      signal: stopFfmpeg.signal,
      timeoutMs: plan.limits.jobTimeoutSeconds * 1000,
      onSpawn: (pid) => {
        log.info({ pid, encoder: plan.encoder, input: data.input, output: data.output }, "ffmpeg started");
        void jobLog(`ffmpeg started at ${new Date().toISOString()} (pid ${pid})`);
        void report({ percent: 0, fps: null, speed: null, eta_seconds: null });
      },
      onProgress: (sample) => {
        noteAdvance(sample.outTimeSeconds);
        const next = tracker.next(sample);
        if (next) void report(next);
      },
      onStderrLine: (line) => void jobLog(line),
    });
  } catch (error) {
    await probing;
    throw transient("worker_error", `ffmpeg cannot be run on this worker: ${(error as Error).message}`);
  } finally {
    clearInterval(watchdog);
    signal?.removeEventListener("abort", forwardAbort);
  }
  const verdict = await probing;
  for (const line of run.unloggedTail) await jobLog(line);

  if (verdict.kind === "broken") throw transient("worker_error", verdict.reason);
  if (verdict.kind === "unusable") throw permanent("invalid_media", shown(verdict.reason));
  if (verdict.kind === "over_limit") throw permanent(verdict.breach.code, verdict.breach.message);
  if (run.timedOut) {
    throw permanent(
      "job_timeout",
      `ffmpeg ran longer than JOB_TIMEOUT_SECONDS (${plan.limits.jobTimeoutSeconds} s) and was killed`,
    );
  }
  if (run.aborted) await stopped(plan, stopFfmpeg.signal.reason, deps.stallTimeoutMs);
  const tempFile = await stat(plan.tempPath).catch(() => undefined);
  // -fs stops ffmpeg at the limit and it exits 0: a cut-short file must not be published as a result.
  if ((tempFile?.size ?? 0) >= plan.limits.maxOutputBytes) {
    throw permanent(
      "output_too_large",
      `the output reached MAX_OUTPUT_BYTES (${plan.limits.maxOutputBytes} bytes); ffmpeg was stopped there and the partial file discarded`,
    );
  }
  if (run.exitCode !== 0) {
    const last = shown(run.stderrTail.at(-1) ?? "no output");
    const how = run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
    throw permanent("ffmpeg_failed", `ffmpeg ${how}: ${last}`);
  }

  // Removed under ffmpeg's feet (an operator, a sweep on another node): not
  // the media's fault, so another attempt may well succeed.
  if (!tempFile) {
    throw transient(
      "worker_error",
      "the temporary output vanished before it could be published; the job will be retried",
    );
  }
  const written = await probeMedia(deps.ffprobePath, plan.tempPath);
  if (!written.ok) {
    throw permanent("ffmpeg_failed", `ffmpeg finished but its output is unreadable: ${shown(written.reason)}`);
  }
  if (written.info.streamCount === 0) throw permanent("ffmpeg_failed", "ffmpeg finished but wrote no audio or video");

  if (await deps.isCancelRequested(data.job_id)) throw cancelledError();
  // Only the run that still holds the job may publish: a worker that was
  // paused past its lock must not overwrite the work of the one that took over.
  // BullMQ's extendLock answers 0, without throwing, when the lock is no
  // longer this run's (it expired while the worker or Redis was away).
  if (plan.token) {
    const held = await job.extendLock(plan.token, PUBLISH_LOCK_MS).catch(() => 0);
    if (held !== 1) {
      throw transient("worker_error", "another worker took the job over; this run's output was discarded");
    }
  }
  // Remembered before the file is published (link and rename keep its inode),
  // so that a run after a crash between the publish and BullMQ's completion
  // recognises the file as this job's own instead of failing on it.
  try {
    await job.updateData({ ...data, published: { ino: tempFile.ino, size: tempFile.size, encoder: plan.encoder } });
  } catch {
    throw transient("worker_error", "could not record the output before publishing it; the job will be retried");
  }
  await moveIntoPlace(plan.tempPath, plan.targetPath, data.overwrite, data.output);
  return finishedResult(deps, plan, plan.encoder, run.elapsedMs, written.info, tempFile.size);
}

/**
 * A run stopped before ffmpeg finished. A cancelled job ends for good; a
 * stalled ffmpeg fails this attempt (BullMQ retries it while attempts are
 * left); a stopping worker puts the job back in the queue without spending
 * one of its attempts; a run that lost its lock just ends (the job is
 * someone else's now).
 */
async function stopped(plan: EncodePlan, reason: unknown, stallTimeoutMs: number): Promise<never> {
  const why = reason instanceof Error ? reason.message : String(reason ?? "aborted");
  await plan.jobLog(`ffmpeg stopped: ${why}`);
  plan.log.info({ reason: why }, "job stopped");
  if (why === STOP_REASONS.cancelled) throw cancelledError();
  if (why === STOP_REASONS.stalled) {
    throw transient(
      "ffmpeg_stalled",
      `ffmpeg made no progress for ${Math.round(stallTimeoutMs / 1000)} s and was killed`,
    );
  }
  if (why === STOP_REASONS.shutdown && plan.token) {
    let handedBack = false;
    try {
      await plan.job.moveToWait(plan.token);
      handedBack = true;
    } catch {
      // Could not hand it back (Redis away): a plain failure retries it instead.
    }
    if (handedBack) throw new WaitingError();
  }
  throw transient("worker_error", `the worker stopped the job (${why}); it will be retried`);
}

/** The job's result from the published file's probe, and the log lines that close the run. */
async function finishedResult(
  deps: ProcessorDeps,
  plan: Pick<EncodePlan, "data" | "jobLog" | "log">,
  encoder: string | null,
  elapsedMs: number | null,
  info: MediaInfo,
  size: number,
): Promise<ConvertJobReturn> {
  const { data } = plan;
  const result: JobResult = {
    output: data.output,
    size_bytes: size,
    duration_seconds: info.durationSeconds !== null ? Math.round(info.durationSeconds * 1000) / 1000 : null,
    video_codec: info.video?.codec ?? null,
    audio_codec: info.audio?.codec ?? null,
    width: info.video?.width ?? null,
    height: info.video?.height ?? null,
  };
  const took = elapsedMs === null ? "(published by an earlier run)" : `in ${(elapsedMs / 1000).toFixed(2)} s`;
  await plan.jobLog(`completed ${took}: ${data.output} (${size} bytes)`);
  plan.log.info(
    { elapsed_ms: elapsedMs === null ? null : Math.round(elapsedMs), size_bytes: size, encoder },
    "job completed",
  );
  // An audio-only input through a video preset encoded no video.
  return { result, encoder: result.video_codec === null ? null : encoder, worker: deps.workerName };
}

/** The output exists and is the very file an earlier run of this job published (same inode and size). */
async function publishedByThisJob(
  targetPath: string,
  data: ConvertJobData,
): Promise<{ encoder: string | null; size: number } | undefined> {
  if (!data.published) return undefined;
  const info = await stat(targetPath).catch(() => undefined);
  if (!info || info.ino !== data.published.ino || info.size !== data.published.size) return undefined;
  return { encoder: data.published.encoder, size: info.size };
}

/** Removes every temporary file of this job beside the target (this run's and earlier runs'). */
async function removeTemporaryFiles(targetPath: string, jobId: string): Promise<void> {
  const dir = path.dirname(targetPath);
  const prefix = temporaryPrefix(targetPath, jobId);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX))
      .map((name) => rm(path.join(dir, name), { force: true })),
  );
}

/** Why the input cannot give what the options ask for, or undefined when it can. */
function unusableInput(media: MediaInfo, o: ResolvedOptions): string | undefined {
  const keepsVideo = o.video_codec !== "none" && media.video !== null;
  const keepsAudio = o.audio_codec !== "none" && media.audio !== null;
  if (!keepsVideo && !keepsAudio) {
    if (media.streamCount === 0) return "the input has no audio or video stream";
    return `the input has no ${o.video_codec === "none" ? "audio" : "audio or video"} stream to convert`;
  }
  if (o.start !== null && media.durationSeconds !== null && o.start >= media.durationSeconds) {
    return `start (${o.start} s) is at or past the end of the input (${media.durationSeconds.toFixed(2)} s)`;
  }
  return undefined;
}

/**
 * Atomic publish of the finished file. Without overwrite, link() fails if
 * the target appeared meanwhile, so an existing file is never replaced.
 */
async function moveIntoPlace(temp: string, target: string, overwrite: boolean, shownAs: string): Promise<void> {
  if (overwrite) {
    await rename(temp, target);
    return;
  }
  try {
    await link(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw permanent("output_exists", `${shownAs} appeared while the job ran; it was left untouched`);
    }
    throw error;
  }
  await unlink(temp);
}

function describe(media: MediaInfo): string {
  const parts = [media.formatName ?? "unknown format"];
  if (media.video) parts.push(`video ${media.video.codec} ${media.video.width}x${media.video.height}`);
  if (media.audio) parts.push(`audio ${media.audio.codec}`);
  if (media.durationSeconds !== null) parts.push(`${media.durationSeconds.toFixed(2)} s`);
  return parts.join(", ");
}

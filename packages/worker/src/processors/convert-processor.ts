import { link, mkdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import {
  buildFfmpegArgs,
  ConvertJobData,
  type ConvertJobReturn,
  formatCommandLine,
  formatFailedReason,
  type HardwareMode,
  type JobProgress,
  type JobResult,
  type Logger,
  type ResolvedOptions,
  resolveInputPath,
  resolveOutputPath,
  temporaryOutputPath,
} from "@converter/shared";
import { type Job, UnrecoverableError } from "bullmq";
import { chooseVideoEncoder } from "../capabilities/choose-encoder.js";
import { type MediaInfo, probeMedia } from "../ffmpeg/probe.js";
import { ProgressTracker } from "../ffmpeg/progress-tracker.js";
import { type FfmpegOutcome, runFfmpeg } from "../ffmpeg/run-ffmpeg.js";

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
  data: ConvertJobData;
  inputPath: string;
  targetPath: string;
  tempPath: string;
  encoder: string | null;
  signal: AbortSignal | undefined;
  log: Logger;
  jobLog: (line: string) => Promise<unknown>;
};

/**
 * Converts one job: re-resolve the paths, choose the encoder, run ffmpeg
 * (with ffprobe alongside) into a temporary file beside the target, read the
 * result back with ffprobe, and move the file into place.
 */
export function createConvertProcessor(deps: ProcessorDeps) {
  return async function convert(job: Job, _token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    const parsed = ConvertJobData.safeParse(job.data);
    if (!parsed.success) throw permanent("worker_error", "the queued job has an unreadable payload");
    const data = parsed.data;
    const log = deps.log.child({ job_id: data.job_id, request_id: data.request_id, attempt: job.attemptsMade + 1 });
    const jobLog = (line: string) => job.log(line).catch(() => undefined);

    // The worker never trusts the queue: paths are resolved again on this node.
    const input = await resolveInputPath(deps.mediaRoot, data.input);
    if (!input.ok) throw permanent(input.error.code, input.error.message);
    const output = await resolveOutputPath(deps.mediaRoot, data.output);
    if (!output.ok) throw permanent(output.error.code, output.error.message);
    if (output.value.exists && !data.overwrite) {
      throw permanent("output_exists", `${data.output} appeared while the job was queued; it was left untouched`);
    }
    const choice = chooseVideoEncoder(data.options.video_codec, data.options.hardware, deps.hardware, deps.encoders);
    if (!choice.ok) throw permanent(choice.code, choice.message);

    const plan: EncodePlan = {
      job,
      data,
      inputPath: input.value.absolute,
      targetPath: output.value.absolute,
      tempPath: temporaryOutputPath(output.value.absolute, data.job_id),
      encoder: choice.encoder,
      signal,
      log,
      jobLog,
    };
    const outputDir = path.dirname(plan.targetPath);
    const firstCreatedDir = await mkdir(outputDir, { recursive: true });
    try {
      return await encode(deps, plan);
    } catch (error) {
      // A failed job leaves neither the target nor the temporary file, nor the folders it made.
      await rm(plan.tempPath, { force: true });
      if (firstCreatedDir) await removeEmptyDirs(outputDir, firstCreatedDir);
      throw error;
    }
  };
}

async function encode(deps: ProcessorDeps, plan: EncodePlan): Promise<ConvertJobReturn> {
  const { job, data, log, jobLog, signal } = plan;
  const o = data.options;
  // Clients see paths relative to MEDIA_ROOT, never this node's layout.
  const shown = (text: string) =>
    text
      .replaceAll(`file:${plan.inputPath}`, data.input)
      .replaceAll(plan.inputPath, data.input)
      .replaceAll(`file:${plan.tempPath}`, data.output)
      .replaceAll(plan.tempPath, data.output);

  // The arguments do not depend on the probe (streams are mapped with '?'), so
  // ffprobe and ffmpeg start together and the probe's ~60 ms stay off the
  // dispatch path. The probe still decides: undecodable media fails as
  // invalid_media, and its duration turns encoded time into a percentage.
  const args = buildFfmpegArgs({
    inputPath: plan.inputPath,
    outputPath: plan.tempPath,
    options: o,
    videoEncoder: plan.encoder,
  });
  void jobLog(formatCommandLine(deps.ffmpegPath, args));

  const tracker = new ProgressTracker(null, deps.progressIntervalMs ?? 1000);
  const report = (p: Omit<JobProgress, "encoder" | "worker">) =>
    job
      .updateProgress({ ...p, encoder: plan.encoder, worker: deps.workerName } satisfies JobProgress)
      .catch((error) => log.warn({ err: error }, "could not report progress"));

  // Stops ffmpeg for the worker's own reasons (bad media) as well as BullMQ's (shutdown).
  const stopFfmpeg = new AbortController();
  const forwardAbort = () => stopFfmpeg.abort(signal?.reason);
  signal?.addEventListener("abort", forwardAbort, { once: true });
  if (signal?.aborted) forwardAbort();

  const probing = probeMedia(deps.ffprobePath, plan.inputPath).then((probe) => {
    const problem = probe.ok ? unusableStreams(probe.info, o) : probe.reason;
    if (problem) {
      stopFfmpeg.abort(new Error(problem));
    } else if (probe.ok) {
      tracker.setDuration(expectedDuration(probe.info.durationSeconds, o));
      void jobLog(
        `worker ${deps.workerName}, attempt ${job.attemptsMade + 1}: input ${describe(probe.info)}; encoder ${plan.encoder ?? o.video_codec}`,
      );
    }
    return probe;
  });

  let run: FfmpegOutcome;
  try {
    run = await runFfmpeg({
      ffmpegPath: deps.ffmpegPath,
      args,
      signal: stopFfmpeg.signal,
      onSpawn: (pid) => {
        log.info({ pid, encoder: plan.encoder, input: data.input, output: data.output }, "ffmpeg started");
        void jobLog(`ffmpeg started at ${new Date().toISOString()} (pid ${pid})`);
        void report({ percent: 0, fps: null, speed: null, eta_seconds: null });
      },
      onProgress: (sample) => {
        const next = tracker.next(sample);
        if (next) void report(next);
      },
      onStderrLine: (line) => void jobLog(line),
    });
  } catch (error) {
    throw permanent("ffmpeg_failed", `ffmpeg could not be started: ${(error as Error).message}`);
  } finally {
    signal?.removeEventListener("abort", forwardAbort);
  }
  const probe = await probing;
  for (const line of run.unloggedTail) await jobLog(line);

  const mediaProblem = probe.ok ? unusableStreams(probe.info, o) : probe.reason;
  if (mediaProblem) throw permanent("invalid_media", shown(mediaProblem));
  if (run.aborted) {
    const reason = signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? "aborted");
    await jobLog(`ffmpeg stopped: ${reason}`);
    log.info({ reason }, "job aborted");
    // A stopping worker hands the job back; the next attempt starts over.
    throw transient("worker_error", `the worker stopped the job (${reason}); it will be retried`);
  }
  if (run.exitCode !== 0) {
    const last = shown(run.stderrTail.at(-1) ?? "no output");
    const how = run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
    throw permanent("ffmpeg_failed", `ffmpeg ${how}: ${last}`);
  }

  const written = await probeMedia(deps.ffprobePath, plan.tempPath);
  if (!written.ok) {
    throw permanent("ffmpeg_failed", `ffmpeg finished but its output is unreadable: ${shown(written.reason)}`);
  }
  await moveIntoPlace(plan.tempPath, plan.targetPath, data.overwrite, data.output);

  const size = (await stat(plan.targetPath)).size;
  const info = written.info;
  const result: JobResult = {
    output: data.output,
    size_bytes: size,
    duration_seconds: info.durationSeconds !== null ? Math.round(info.durationSeconds * 1000) / 1000 : null,
    video_codec: info.video?.codec ?? null,
    audio_codec: info.audio?.codec ?? null,
    width: info.video?.width ?? null,
    height: info.video?.height ?? null,
  };
  await jobLog(`completed in ${(run.elapsedMs / 1000).toFixed(2)} s: ${data.output} (${size} bytes)`);
  log.info({ elapsed_ms: Math.round(run.elapsedMs), size_bytes: size, encoder: plan.encoder }, "job completed");
  // An audio-only input through a video preset encoded no video.
  const encoder = result.video_codec === null ? null : plan.encoder;
  return { result, encoder, worker: deps.workerName };
}

/** Removes the folders a failed job created, deepest first, while they are empty. */
async function removeEmptyDirs(deepest: string, firstCreated: string): Promise<void> {
  let dir = deepest;
  for (;;) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === firstCreated || path.dirname(dir) === dir) return;
    dir = path.dirname(dir);
  }
}

/** Why the input cannot give what the options ask for, or undefined when it can. */
function unusableStreams(media: MediaInfo, o: ResolvedOptions): string | undefined {
  const keepsVideo = o.video_codec !== "none" && media.video !== null;
  const keepsAudio = o.audio_codec !== "none" && media.audio !== null;
  if (keepsVideo || keepsAudio) return undefined;
  if (media.streamCount === 0) return "the input has no audio or video stream";
  return `the input has no ${o.video_codec === "none" ? "audio" : "audio or video"} stream to convert`;
}

/** Seconds of output the job will write: the input after `start`, capped by `duration`. */
function expectedDuration(inputSeconds: number | null, o: ResolvedOptions): number | null {
  const remaining = inputSeconds !== null ? Math.max(0, inputSeconds - (o.start ?? 0)) : null;
  if (o.duration === null) return remaining;
  return remaining !== null ? Math.min(o.duration, remaining) : o.duration;
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

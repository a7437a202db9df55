import { randomUUID } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { VideoPipeline } from "@converter/shared/jobs";
import type { Job } from "bullmq";
import type { AdmittedJob } from "./admit-job.js";
import { pipelineOf, planVideoPath, type VideoPath } from "./plan-video-path.js";
import type { EarlyProbe } from "./probe-first.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { temporaryName } from "./temporary-files.js";

/**
 * The descriptors ffmpeg (and ffprobe, for the input) gets: its fd 3 is the
 * input, its fd 4 the temporary output, both opened by the worker
 * (docs/adr/0020-media-files-by-descriptor.md). `/dev/fd/N` reopens the very
 * file behind the descriptor, so the input stays seekable and MP4's
 * faststart pass can read its output back.
 */
export const INPUT_FD_PATH = "/dev/fd/3";
export const OUTPUT_FD_PATH = "/dev/fd/4";

/** Everything one encode needs once the job's files and encoder are settled. */
export type EncodePlan = AdmittedJob & {
  job: Job;
  /** BullMQ's lock token of this run. */
  token: string | undefined;
  /** BullMQ's signal: a client's cancel, a lost lock, the worker stopping. */
  signal: AbortSignal | undefined;
  /** The temporary output's name in the output's folder. */
  tempName: string;
  /** Where that is on this node, for messages and logs only. */
  tempPath: string;
  encoder: string | null;
  /** NVDEC decodes and scale_cuda scales (ADR 0017). */
  gpuDecode: boolean;
  pipeline: VideoPipeline | null;
  /** Gives back the NVENC session the plan holds; called once the run is over. */
  releaseNvenc: () => void;
  args: string[];
  /** The input probed before ffmpeg, when a stream might be copied (ADR 0022); else it is probed alongside. */
  early: EarlyProbe | undefined;
};

/** A plan whose temporary output exists: the worker created it and holds it open. */
export type RunningEncode = EncodePlan & { temp: FileHandle };

/**
 * Step 2 of a run: choose the encoder this node can really run for the job,
 * and whether NVDEC and scale_cuda go in front of it, and build ffmpeg's
 * arguments with the shared builder. ffmpeg writes to a temporary file of
 * this run beside the target.
 */
export async function planEncode(
  deps: Pick<
    ProcessorDeps,
    "hardware" | "encoders" | "decoders" | "gpuDecodeWithCpuEncode" | "nvenc" | "ffprobePath" | "probe"
  >,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
  early?: EarlyProbe,
): Promise<EncodePlan> {
  // A copied video needs no encoder, no decoder and no NVENC session: neither a GPU nor a CPU can refuse it.
  const videoPath = early?.copy.video
    ? COPIED_VIDEO
    : await planVideoPath(deps, admitted, run, early?.verdict.info.video);
  const runId = run.token?.slice(0, 8) ?? randomUUID().slice(0, 8);
  const tempName = temporaryName(admitted.files.targetName, admitted.data.job_id, runId);
  const tempPath = path.join(path.dirname(admitted.targetPath), tempName);
  const plan = { ...admitted, ...run, tempName, tempPath, ...videoPath, early, args: [] as string[] };
  return { ...plan, args: argsOf(plan) };
}

/** What a copied video takes of the worker: nothing (ADR 0022). */
const COPIED_VIDEO: VideoPath = { encoder: null, gpuDecode: false, pipeline: null, releaseNvenc: () => {} };

/** The same plan decoding on the CPU: NVDEC refused the input at run time (ADR 0017). */
export function withCpuDecode<P extends EncodePlan>(plan: P, note: string): P {
  const pipeline = pipelineOf(plan.data.options, plan.encoder, false, note);
  const cpu = { ...plan, gpuDecode: false, pipeline };
  return { ...cpu, args: argsOf(cpu) };
}

// Streams are mapped with '?', so only a copy makes the arguments depend on
// the input (ADR 0022); otherwise ffprobe and ffmpeg start together (ADR 0006).
// The files are the descriptors the worker opened.
function argsOf(plan: Omit<EncodePlan, "args">): string[] {
  const copy = plan.early?.copy;
  return buildFfmpegArgs({
    inputPath: INPUT_FD_PATH,
    outputPath: OUTPUT_FD_PATH,
    options: plan.data.options,
    videoEncoder: plan.encoder,
    maxInputPixels: plan.limits.maxInputPixels,
    maxOutputBytes: plan.limits.maxOutputBytes,
    gpuDecode: plan.gpuDecode,
    ...(copy ? { copy: { video: copy.video, audio: copy.audio } } : {}),
  });
}

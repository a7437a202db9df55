import { randomUUID } from "node:crypto";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { VideoPipeline } from "@converter/shared/jobs";
import type { Job } from "bullmq";
import type { AdmittedJob } from "./admit-job.js";
import { pipelineOf, planVideoPath, type VideoPath } from "./plan-video-path.js";
import type { EarlyProbe } from "./probe-first.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { temporaryOutputPath } from "./temporary-files.js";

/** Everything one encode needs once the job's paths and encoder are settled. */
export type EncodePlan = AdmittedJob & {
  job: Job;
  /** BullMQ's lock token of this run. */
  token: string | undefined;
  /** BullMQ's signal: a client's cancel, a lost lock, the worker stopping. */
  signal: AbortSignal | undefined;
  tempPath: string;
  encoder: string | null;
  /** NVDEC decodes and scale_cuda scales (ADR 0017). */
  gpuDecode: boolean;
  pipeline: VideoPipeline | null;
  /** Gives back the NVENC session the plan holds; called once the run is over. */
  releaseNvenc: () => void;
  args: string[];
  /** The input probed before ffmpeg, when a stream might be copied (ADR 0020); else it is probed alongside. */
  early: EarlyProbe | undefined;
};

/**
 * Step 2 of a run: choose the encoder this node can really run for the job,
 * and whether NVDEC and scale_cuda go in front of it, and build ffmpeg's
 * arguments with the shared builder. ffmpeg writes to a temporary name of
 * this run beside the target.
 */
export async function planEncode(
  deps: Pick<ProcessorDeps, "hardware" | "encoders" | "decoders" | "gpuDecodeWithCpuEncode" | "nvenc" | "ffprobePath">,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
  early?: EarlyProbe,
): Promise<EncodePlan> {
  // A copied video needs no encoder, no decoder and no NVENC session: neither a GPU nor a CPU can refuse it.
  const path = early?.copy.video ? COPIED_VIDEO : await planVideoPath(deps, admitted, run, early?.verdict.info.video);
  const runId = run.token?.slice(0, 8) ?? randomUUID().slice(0, 8);
  const tempPath = temporaryOutputPath(admitted.targetPath, admitted.data.job_id, runId);
  const plan = { ...admitted, ...run, tempPath, ...path, early, args: [] as string[] };
  return { ...plan, args: argsOf(plan) };
}

/** What a copied video takes of the worker: nothing (ADR 0020). */
const COPIED_VIDEO: VideoPath = { encoder: null, gpuDecode: false, pipeline: null, releaseNvenc: () => {} };

/** The same plan decoding on the CPU: NVDEC refused the input at run time (ADR 0017). */
export function withCpuDecode(plan: EncodePlan, note: string): EncodePlan {
  const pipeline = pipelineOf(plan.data.options, plan.encoder, false, note);
  const cpu = { ...plan, gpuDecode: false, pipeline };
  return { ...cpu, args: argsOf(cpu) };
}

// Streams are mapped with '?', so only a copy makes the arguments depend on
// the input (ADR 0020); otherwise ffprobe and ffmpeg start together (ADR 0006).
function argsOf(plan: Omit<EncodePlan, "args">): string[] {
  const copy = plan.early?.copy;
  return buildFfmpegArgs({
    inputPath: plan.inputPath,
    outputPath: plan.tempPath,
    options: plan.data.options,
    videoEncoder: plan.encoder,
    maxInputPixels: plan.limits.maxInputPixels,
    maxOutputBytes: plan.limits.maxOutputBytes,
    gpuDecode: plan.gpuDecode,
    ...(copy ? { copy: { video: copy.video, audio: copy.audio } } : {}),
  });
}

import { randomUUID } from "node:crypto";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { VideoPipeline } from "@converter/shared/jobs";
import type { Job } from "bullmq";
import type { AdmittedJob } from "./admit-job.js";
import { pipelineOf, planVideoPath } from "./plan-video-path.js";
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
): Promise<EncodePlan> {
  const path = await planVideoPath(deps, admitted, run);
  const runId = run.token?.slice(0, 8) ?? randomUUID().slice(0, 8);
  const tempPath = temporaryOutputPath(admitted.targetPath, admitted.data.job_id, runId);
  const plan = { ...admitted, ...run, tempPath, ...path, args: [] as string[] };
  return { ...plan, args: argsOf(plan) };
}

/** The same plan decoding on the CPU: NVDEC refused the input at run time (ADR 0017). */
export function withCpuDecode(plan: EncodePlan, note: string): EncodePlan {
  const pipeline = pipelineOf(plan.data.options, plan.encoder, false, note);
  const cpu = { ...plan, gpuDecode: false, pipeline };
  return { ...cpu, args: argsOf(cpu) };
}

// The arguments do not depend on the probe's verdict (streams are mapped
// with '?'), so ffprobe and ffmpeg start together (ADR 0006).
function argsOf(plan: Omit<EncodePlan, "args">): string[] {
  return buildFfmpegArgs({
    inputPath: plan.inputPath,
    outputPath: plan.tempPath,
    options: plan.data.options,
    videoEncoder: plan.encoder,
    maxInputPixels: plan.limits.maxInputPixels,
    maxOutputBytes: plan.limits.maxOutputBytes,
    gpuDecode: plan.gpuDecode,
  });
}

import { randomUUID } from "node:crypto";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { Job } from "bullmq";
import { chooseVideoEncoder } from "../capabilities/choose-encoder.js";
import type { AdmittedJob } from "./admit-job.js";
import { permanent } from "./job-failure.js";
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
  args: string[];
  /** The input probed before ffmpeg, when a stream might be copied (ADR 0017); else it is probed alongside. */
  early: EarlyProbe | undefined;
};

/**
 * Step 2 of a run: choose the encoder this node can really run for the job
 * and build ffmpeg's arguments with the shared builder. ffmpeg writes to a
 * temporary name of this run beside the target.
 */
export function planEncode(
  deps: Pick<ProcessorDeps, "hardware" | "encoders">,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
  early?: EarlyProbe,
): EncodePlan {
  const o = admitted.data.options;
  const copy = early?.copy;
  // A copied video needs no encoder, so neither a GPU nor a CPU encoder can refuse it.
  const choice = copy?.video
    ? ({ ok: true, encoder: null } as const)
    : chooseVideoEncoder(o.video_codec, o.hardware, deps.hardware, deps.encoders);
  if (!choice.ok) throw permanent(choice.code, choice.message);
  const runId = run.token?.slice(0, 8) ?? randomUUID().slice(0, 8);
  const tempPath = temporaryOutputPath(admitted.targetPath, admitted.data.job_id, runId);
  // Streams are mapped with '?', so only a copy makes the arguments depend on
  // the probe (ADR 0017); otherwise ffprobe and ffmpeg start together (ADR 0006).
  const args = buildFfmpegArgs({
    inputPath: admitted.inputPath,
    outputPath: tempPath,
    options: o,
    videoEncoder: choice.encoder,
    maxInputPixels: admitted.limits.maxInputPixels,
    maxOutputBytes: admitted.limits.maxOutputBytes,
    ...(copy ? { copy: { video: copy.video, audio: copy.audio } } : {}),
  });
  return { ...admitted, ...run, tempPath, encoder: choice.encoder, args, early };
}

import { randomUUID } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { Job } from "bullmq";
import { chooseVideoEncoder } from "../capabilities/choose-encoder.js";
import type { AdmittedJob } from "./admit-job.js";
import { permanent } from "./job-failure.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { temporaryName } from "./temporary-files.js";

/**
 * The descriptors ffmpeg (and ffprobe, for the input) gets: its fd 3 is the
 * input, its fd 4 the temporary output, both opened by the worker
 * (docs/adr/0016-media-files-by-descriptor.md). `/dev/fd/N` reopens the very
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
  args: string[];
};

/** A plan whose temporary output exists: the worker created it and holds it open. */
export type RunningEncode = EncodePlan & { temp: FileHandle };

/**
 * Step 2 of a run: choose the encoder this node can really run for the job
 * and build ffmpeg's arguments with the shared builder. ffmpeg writes to a
 * temporary file of this run beside the target.
 */
export function planEncode(
  deps: Pick<ProcessorDeps, "hardware" | "encoders">,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
): EncodePlan {
  const o = admitted.data.options;
  const choice = chooseVideoEncoder(o.video_codec, o.hardware, deps.hardware, deps.encoders);
  if (!choice.ok) throw permanent(choice.code, choice.message);
  const runId = run.token?.slice(0, 8) ?? randomUUID().slice(0, 8);
  const tempName = temporaryName(admitted.files.targetName, admitted.data.job_id, runId);
  // The arguments do not depend on the probe (streams are mapped with '?'), so
  // ffprobe and ffmpeg start together (ADR 0006).
  const args = buildFfmpegArgs({
    inputPath: INPUT_FD_PATH,
    outputPath: OUTPUT_FD_PATH,
    options: o,
    videoEncoder: choice.encoder,
    maxInputPixels: admitted.limits.maxInputPixels,
    maxOutputBytes: admitted.limits.maxOutputBytes,
  });
  const tempPath = path.join(path.dirname(admitted.targetPath), tempName);
  return { ...admitted, ...run, tempName, tempPath, encoder: choice.encoder, args };
}

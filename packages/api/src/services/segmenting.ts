import { AppError } from "@converter/shared/errors";
import type { ResolvedOptions, SegmentsOption, StreamCopyMode } from "@converter/shared/jobs";
import { probeMedia, probeVideoFrames } from "@converter/shared/probe";
import { planSegments, type SegmentPlan } from "@converter/shared/queue";

/** SEGMENT_POLICY_MIN_DURATION, SEGMENT_DEFAULT_LENGTH and the ffprobe that reads the input's keyframes. */
export type SegmentingDeps = {
  ffprobePath: string;
  /** Inputs at least this long (seconds) are segmented by policy; 0: never. */
  policyMinSeconds: number;
  defaultSeconds: number;
};

/**
 * Why a job cannot be segmented, or undefined when it can: segments are
 * encoded and joined without re-encoding, so the job must encode video, and
 * a frame rate conversion would start anew in every segment (ADR 0026).
 */
export function segmentsRefusal(options: ResolvedOptions): string | undefined {
  if (options.video_codec === "copy" || options.video_codec === "none") {
    return `options.segments needs a video encode; video_codec is ${options.video_codec}`;
  }
  if (options.fps !== null)
    return "options.segments cannot be combined with fps (the rate conversion would restart in each segment)";
  return undefined;
}

/**
 * Decides whether a job is encoded in segments, and how it is cut: when it
 * asks (`options.segments`), or by policy when its input lasts at least
 * SEGMENT_POLICY_MIN_DURATION and it re-encodes anyway (`stream_copy:
 * never`; with `auto` a copy may beat any split). The input's keyframes are
 * read with ffprobe (packets only). Undefined: a single pass (no policy, an
 * input too short for two segments, or one ffprobe cannot read, which the
 * worker then reports as the job's error).
 */
export async function planSegmentedJob(
  deps: SegmentingDeps | undefined,
  job: {
    inputPath: string;
    options: ResolvedOptions;
    streamCopy: StreamCopyMode;
    requested: SegmentsOption | undefined;
  },
): Promise<SegmentPlan | undefined> {
  const refusal = segmentsRefusal(job.options);
  if (job.requested !== undefined && refusal) {
    throw new AppError("segments_unsupported", refusal, { field: "options.segments" });
  }
  if (!deps) return undefined;
  const byPolicy = job.requested === undefined;
  if (byPolicy && (deps.policyMinSeconds === 0 || refusal || job.streamCopy !== "never")) return undefined;
  const probe = await probeMedia(deps.ffprobePath, job.inputPath);
  if (!probe.ok || !probe.info.video) return undefined;
  if (byPolicy && (probe.info.durationSeconds ?? 0) < deps.policyMinSeconds) return undefined;
  const frames = await probeVideoFrames(deps.ffprobePath, job.inputPath);
  if (!frames) return undefined;
  return planSegments({
    frames,
    options: job.options,
    length: job.requested === undefined || job.requested === "auto" ? deps.defaultSeconds : job.requested,
    reason: byPolicy ? "policy" : "requested",
    audio: job.options.audio_codec !== "none" && probe.info.audio !== null,
  });
}

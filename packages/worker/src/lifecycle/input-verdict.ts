import type { JobLimits } from "@converter/shared/config/worker";
import type { ResolvedOptions } from "@converter/shared/jobs";
import type { MediaInfo, ProbeOutcome } from "@converter/shared/probe";
import { inputLimitBreach, type LimitBreach } from "./input-limits.js";
import { type PermanentFailure, permanent, type TransientFailure, transient } from "./job-failure.js";

/** What the input probe decided, once: usable, unusable media, over a limit, or a worker that cannot probe. */
export type InputVerdict =
  | { kind: "usable"; info: MediaInfo }
  | { kind: "unusable"; reason: string }
  | { kind: "over_limit"; breach: LimitBreach }
  | { kind: "broken"; reason: string };

/** Judges ffprobe's description of the input against what the job asks and what a job may take. */
export function judgeInput(probe: ProbeOutcome, options: ResolvedOptions, limits: JobLimits): InputVerdict {
  if (!probe.ok) return { kind: "unusable", reason: probe.reason };
  const problem = unusableInput(probe.info, options);
  if (problem !== undefined) return { kind: "unusable", reason: problem };
  // A decompression bomb is stopped as soon as its description is known, even mid-encode.
  const breach = inputLimitBreach(probe.info, limits);
  if (breach) return { kind: "over_limit", breach };
  return { kind: "usable", info: probe.info };
}

/**
 * The failure a verdict other than usable means for the job; `shown` hides
 * this node's paths in the message. Undefined for a usable input.
 */
export function verdictFailure(
  verdict: InputVerdict,
  shown: (text: string) => string,
): PermanentFailure | TransientFailure | undefined {
  if (verdict.kind === "broken") return transient("worker_error", verdict.reason);
  if (verdict.kind === "unusable") return permanent("invalid_media", shown(verdict.reason));
  if (verdict.kind === "over_limit") return permanent(verdict.breach.code, verdict.breach.message);
  return undefined;
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

/** One line for the job log: "matroska,webm, video h264 320x240, audio aac, 2.00 s". */
export function describeMedia(media: MediaInfo): string {
  const parts = [media.formatName ?? "unknown format"];
  if (media.video) parts.push(`video ${media.video.codec} ${media.video.width}x${media.video.height}`);
  if (media.audio) parts.push(`audio ${media.audio.codec}`);
  if (media.durationSeconds !== null) parts.push(`${media.durationSeconds.toFixed(2)} s`);
  return parts.join(", ");
}

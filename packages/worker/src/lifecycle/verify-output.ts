import type { ResolvedOptions } from "@converter/shared/jobs";
import type { MediaInfo } from "@converter/shared/probe";
import { expectedDuration } from "../ffmpeg/progress-tracker.js";
import { diskFull, freeBytes, MIN_FREE_BYTES } from "./disk-space.js";
import { type PermanentFailure, permanent, type TransientFailure } from "./job-failure.js";
import type { RunningEncode } from "./plan-encode.js";
import { type ProcessorDeps, probeFile } from "./processor-deps.js";
import { shownPaths } from "./shown-paths.js";

/**
 * Step 5 of a run: read the finished temporary file back with ffprobe
 * before anyone can see it. It is never published when ffprobe cannot read
 * it, when it lacks a stream the job keeps from the input, or when it lasts
 * clearly less than what was asked (the input's length, less `start`, at
 * most `duration`): a cut-short file that ffmpeg did not report. When the
 * disk is full by then, that is the failure (disk_full, retried).
 */
export async function verifyOutput(
  deps: Pick<ProcessorDeps, "ffprobePath" | "probe">,
  plan: RunningEncode,
  input: MediaInfo,
): Promise<MediaInfo> {
  // No stream copied: every byte of it came out of this worker's encoders (ADR 0039).
  const ownEncode = !plan.early?.copy.video && !plan.early?.copy.audio;
  const written = await probeFile(deps, { fd: plan.temp.fd }, plan.data.output, { ownEncode });
  const problem = written.ok
    ? outputProblem(input, plan.data.options, written.info)
    : `ffmpeg finished but its output is unreadable: ${shownPaths(plan, written.reason)}`;
  if (problem === undefined && written.ok) return written.info;
  throw await unlessDiskFull(plan, permanent("ffmpeg_failed", problem ?? "the output is unreadable"));
}

/** What keeps a readable output from being published, or undefined when nothing does. */
export function outputProblem(input: MediaInfo, o: ResolvedOptions, output: MediaInfo): string | undefined {
  return missingStream(input, o, output) ?? shortfall(input, o, output);
}

/** The streams the job keeps from the input must all be in the output (a video preset on audio-only input keeps audio). */
function missingStream(input: MediaInfo, o: ResolvedOptions, output: MediaInfo): string | undefined {
  if (output.streamCount === 0) return "ffmpeg finished but wrote no audio or video";
  if (o.video_codec !== "none" && input.video && !output.video)
    return "ffmpeg finished but the output has no video stream";
  if (o.audio_codec !== "none" && input.audio && !output.audio)
    return "ffmpeg finished but the output has no audio stream";
  return undefined;
}

/** Shorter than this much less than expected is a cut-short output; encoders, seeks and timestamps move ends a little. */
const toleranceSeconds = (expected: number) => Math.max(2, expected * 0.1);

function shortfall(input: MediaInfo, o: ResolvedOptions, output: MediaInfo): string | undefined {
  const expected = expectedDuration(keptDuration(input, o), o);
  if (expected === null || expected <= 0) return undefined;
  if (output.durationSeconds === null) {
    return `ffmpeg finished but the output's duration cannot be read (${expected.toFixed(2)} s expected)`;
  }
  if (output.durationSeconds < expected - toleranceSeconds(expected)) {
    return `ffmpeg finished but the output lasts ${output.durationSeconds.toFixed(2)} s of the ${expected.toFixed(2)} s expected`;
  }
  return undefined;
}

/**
 * How long the streams the output keeps last in the input: the whole input
 * when video is kept (or there is no video to leave out), else the audio
 * stream's own length when the container tells it (an audio track may end
 * before the video does), else unknown (not checked).
 */
function keptDuration(input: MediaInfo, o: ResolvedOptions): number | null {
  const keepsVideo = o.video_codec !== "none" && input.video !== null;
  if (keepsVideo || input.video === null) return input.durationSeconds;
  return input.audio?.durationSeconds ?? null;
}

async function unlessDiskFull(
  plan: RunningEncode,
  failure: PermanentFailure,
): Promise<PermanentFailure | TransientFailure> {
  const free = await freeBytes(plan.files.outputDir);
  if (free !== undefined && free < MIN_FREE_BYTES) {
    return diskFull(plan.data.output, `${failure.failure.message}, with ${free} bytes left free`);
  }
  return failure;
}

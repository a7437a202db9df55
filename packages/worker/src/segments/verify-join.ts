import type { StreamCounts } from "@converter/shared/probe";
import type { SegmentPlan } from "@converter/shared/queue";

/** Audio and video start "together" within a millisecond (a container's timestamp rounding). */
const START_TOLERANCE_SECONDS = 0.001;

/**
 * What keeps a joined file from being published, or undefined: it must
 * have exactly the frames a single-pass encode writes (the input's frames in
 * the span), last as long within one frame, and start its audio with its
 * video (ADR 0026).
 */
export function joinProblem(plan: SegmentPlan, joined: StreamCounts): string | undefined {
  const { video, audio } = joined;
  if (!video) return "the joined output has no video stream";
  if (video.packets !== plan.expected_frames) {
    return `the joined output has ${video.packets} video frames; a single-pass encode has ${plan.expected_frames}`;
  }
  if (video.duration !== null && Math.abs(video.duration - plan.expected_duration) > plan.frame_seconds + 1e-6) {
    return `the joined video lasts ${video.duration} s, more than one frame away from the ${plan.expected_duration} s expected`;
  }
  if (plan.audio) {
    if (!audio) return "the joined output has no audio stream";
    if (Math.abs(audio.start - video.start) > START_TOLERANCE_SECONDS) {
      return `the joined audio starts at ${audio.start} s and the video at ${video.start} s`;
    }
  }
  return undefined;
}

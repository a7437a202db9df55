import path from "node:path";
import { z } from "zod";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { SEGMENT_KINDS, type SegmentKind } from "../jobs/segments.js";

/**
 * How a segmented job is cut (docs/adr/0026-split-and-parallel-encoding.md):
 * video segments between keyframes of the input, each a child job, plus one
 * audio child; it travels in the parent's payload so the join knows what to
 * expect.
 */
export const SegmentPlan = z.object({
  length_seconds: z.number(),
  reason: z.enum(["requested", "policy"]),
  /** One frame of the input, in seconds: the tolerance of the duration check. */
  frame_seconds: z.number().positive(),
  /** The input's frames in the converted span: what a single-pass encode writes, and what the join must have. */
  expected_frames: z.number().int(),
  /** How long the joined video must last (frames × frame length), in seconds. */
  expected_duration: z.number(),
  video: z.array(z.object({ index: z.number().int(), start: z.number(), end: z.number(), frames: z.number().int() })),
  /** Whether the job keeps audio (an audio child encodes it whole). */
  audio: z.boolean(),
});
export type SegmentPlan = z.infer<typeof SegmentPlan>;

/** A child's place in its parent, in the child's payload. */
export const SegmentRef = z.object({ kind: z.enum(SEGMENT_KINDS), index: z.number().int().nullable() });
export type SegmentRef = z.infer<typeof SegmentRef>;

/** The input's video frames as ffprobe lists its packets: every frame's time and the keyframes' times, in seconds. */
export type VideoFrames = { times: number[]; keyframes: number[]; frameSeconds: number };

/**
 * Cuts the span the job converts ([start, start + duration), or to the end)
 * at the keyframes nearest each multiple of `length`. A cut closer than half
 * a segment to the previous one or to the end is skipped, so no segment is
 * a sliver. Undefined when the span gives fewer than two segments: the job
 * then runs in a single pass.
 */
export function planSegments(input: {
  frames: VideoFrames;
  options: Pick<ResolvedOptions, "start" | "duration">;
  length: number;
  reason: SegmentPlan["reason"];
  audio: boolean;
}): SegmentPlan | undefined {
  const { frames, options, length } = input;
  const start = options.start ?? 0;
  const last = frames.times.reduce((max, t) => Math.max(max, t), 0) + frames.frameSeconds;
  const end = options.duration !== null ? Math.min(start + options.duration, last) : last;
  const cuts = [start];
  for (let target = start + length; target < end - length / 2; target += length) {
    const previous = cuts.at(-1) ?? start;
    const near = nearest(
      frames.keyframes.filter((k) => k >= previous + length / 2 && k <= end - length / 2),
      target,
    );
    if (near !== undefined && near > previous) cuts.push(near);
  }
  if (cuts.length < 2) return undefined;
  if (offGrid(frames, start)) return undefined;
  const inSpan = (t: number, from: number, to: number) => t >= from && t < to;
  const video = cuts.map((from, index) => {
    const to = cuts[index + 1] ?? end;
    return { index, start: from, end: to, frames: frames.times.filter((t) => inSpan(t, from, to)).length };
  });
  const expectedFrames = video.reduce((sum, s) => sum + s.frames, 0);
  return {
    length_seconds: length,
    reason: input.reason,
    frame_seconds: frames.frameSeconds,
    expected_frames: expectedFrames,
    expected_duration: round6(expectedFrames * frames.frameSeconds),
    video,
    audio: input.audio,
  };
}

/**
 * Whether the span's frames sit between the slots of the frame rate counted
 * from its start (Matroska shifts the video by AAC's priming delay, 21 ms).
 * ffmpeg's constant-frame-rate output then adds or drops a frame near a
 * seek, so the segments' count need not be a single pass's; such an input
 * runs in a single pass rather than fail the join's check.
 */
function offGrid(frames: VideoFrames, start: number): boolean {
  const first = frames.times.find((t) => t >= start);
  if (first === undefined) return false;
  const phase = ((first - start) / frames.frameSeconds) % 1;
  return phase > 0.02 && phase < 0.98;
}

function nearest(values: number[], target: number): number | undefined {
  let best: number | undefined;
  for (const v of values) if (best === undefined || Math.abs(v - target) < Math.abs(best - target)) best = v;
  return best;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** A child's BullMQ job id: `<job_id>-v<index>` for a video segment, `<job_id>-a` for the audio. */
export function segmentChildId(jobId: string, ref: SegmentRef): string {
  return ref.kind === "audio" ? `${jobId}-a` : `${jobId}-v${ref.index}`;
}

const CHILD_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(?:v(\d{1,5})|a)$/;

/** The parent and place of a child's job id, or undefined for any other id. */
export function parseSegmentChildId(id: string): { parent: string; ref: SegmentRef } | undefined {
  const match = CHILD_ID.exec(id);
  if (!match?.[1]) return undefined;
  const kind: SegmentKind = match[2] === undefined ? "audio" : "video";
  return { parent: match[1], ref: { kind, index: match[2] === undefined ? null : Number(match[2]) } };
}

/**
 * Where a child writes its part, relative to the media root: a hidden name
 * in the output's folder, so the join's rename stays on one filesystem and
 * every node that shares the media root sees it. It has the shape of a
 * temporary output (".…<job id>.<tag>.partial"), so the start-up sweep
 * recognises a part left behind.
 */
export function segmentOutputPath(output: string, jobId: string, ref: SegmentRef): string {
  const tag = ref.kind === "audio" ? "a" : `v${String(ref.index).padStart(3, "0")}`;
  return path.posix.join(path.posix.dirname(output), `${segmentPrefix(jobId)}${tag}.partial`);
}

/** The join's concat list, beside the parts in the output's folder. */
export function segmentListName(jobId: string): string {
  return `${segmentPrefix(jobId)}list.partial`;
}

/** How every file of a segmented job's parts in its output folder starts: its parts and the join's list. */
export function segmentPrefix(jobId: string): string {
  return `.seg.${jobId}.`;
}

/**
 * The options of one child: a video segment encodes [start, end) of the
 * input with no audio; the audio child encodes the whole span's audio and
 * no video. A segment ends half a frame before the next cut, so the frame
 * on the cut belongs to the next segment alone, whatever the rounding of
 * the times.
 */
export function segmentOptions(options: ResolvedOptions, plan: SegmentPlan, ref: SegmentRef): ResolvedOptions {
  if (ref.kind === "audio") {
    return { ...options, video_codec: "none", crf: null, video_bitrate: null, width: null, height: null, fps: null };
  }
  const segment = plan.video[ref.index ?? 0];
  if (!segment) throw new Error(`segment ${ref.index} is not in the plan`);
  const isLast = segment.index === plan.video.length - 1;
  const rangeEnd = options.duration !== null ? (options.start ?? 0) + options.duration : null;
  const duration = isLast
    ? rangeEnd === null
      ? null
      : round6(rangeEnd - segment.start)
    : round6(segment.end - segment.start - plan.frame_seconds / 2);
  return {
    ...options,
    audio_codec: "none",
    audio_bitrate: null,
    start: segment.start > 0 ? segment.start : null,
    duration,
  };
}

/** The children of a segmented job, in order: the video segments, then the audio. */
export function segmentRefs(plan: SegmentPlan): SegmentRef[] {
  const refs: SegmentRef[] = plan.video.map((s) => ({ kind: "video", index: s.index }));
  if (plan.audio) refs.push({ kind: "audio", index: null });
  return refs;
}

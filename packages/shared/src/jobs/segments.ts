import { z } from "zod";

/** Shortest and longest segment a job may ask for, in seconds (docs/adr/0026-split-and-parallel-encoding.md). */
export const MIN_SEGMENT_SECONDS = 1;
export const MAX_SEGMENT_SECONDS = 3600;

/**
 * `options.segments`: encode the video in segments, each its own child job
 * on any capable worker, joined without re-encoding. `auto` takes the
 * server's SEGMENT_DEFAULT_LENGTH; a number is the segment length in
 * seconds. Cuts fall on the input's keyframes.
 */
export const SegmentsOption = z
  .union([z.literal("auto"), z.number().min(MIN_SEGMENT_SECONDS).max(MAX_SEGMENT_SECONDS)])
  .meta({
    description:
      "Split-and-parallel encoding (ADR 0026): `auto` (the server's SEGMENT_DEFAULT_LENGTH) or a segment length in " +
      `seconds (${MIN_SEGMENT_SECONDS}–${MAX_SEGMENT_SECONDS}). The video is cut at the input's keyframes, each segment ` +
      "is encoded as a child job on any capable worker, the audio once, whole; the parent joins them without " +
      "re-encoding and verifies the result. Needs a video encode: refused (422 segments_unsupported) with " +
      "video_codec copy or none, or with fps.",
    example: "auto",
  });
export type SegmentsOption = z.infer<typeof SegmentsOption>;

export const SEGMENT_KINDS = ["video", "audio"] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export const SEGMENT_STATUSES = ["queued", "in_progress", "completed", "failed", "cancelled"] as const;

/** One child of a segmented job as the job shows it. */
export const SegmentChild = z
  .object({
    /** The child's BullMQ job id: `<job_id>-v<index>` for a video segment, `<job_id>-a` for the audio. */
    id: z.string(),
    kind: z.enum(SEGMENT_KINDS),
    /** Position of a video segment in the output; null for the audio. */
    index: z.number().int().nullable(),
    /** The span of the input it encodes, in seconds of the input. */
    start: z.number(),
    end: z.number(),
    status: z.enum(SEGMENT_STATUSES),
    progress: z.number().min(0).max(100),
    /** The worker that ran (or runs) it; null until one takes it. */
    worker: z.string().nullable(),
    /** Runs started (a failed child is retried alone). */
    attempts: z.number().int(),
  })
  .meta({ id: "SegmentChild" });
export type SegmentChild = z.infer<typeof SegmentChild>;

/** A segmented job's plan and its children; null on a single-pass job. */
export const SegmentsView = z
  .object({
    /** The segment length asked for, in seconds; cuts fall on the nearest keyframe. */
    length_seconds: z.number(),
    /** Why the job is segmented: the request's `options.segments`, or SEGMENT_POLICY_MIN_DURATION. */
    reason: z.enum(["requested", "policy"]),
    /** Frames the joined output must have: the input's frames in the converted span. */
    expected_frames: z.number().int(),
    children: z.array(SegmentChild),
  })
  .meta({ id: "Segments" });
export type SegmentsView = z.infer<typeof SegmentsView>;

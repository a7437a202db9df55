import { z } from "zod";
import { JobResult } from "../jobs/job-outcome.js";
import { STREAM_COPY_MODES } from "../jobs/media-words.js";
import { ResolvedOptions } from "../jobs/resolved-options.js";
import { VideoPipeline } from "../jobs/video-pipeline.js";
import { SegmentPlan, SegmentRef } from "./segment-plan.js";

/** What the API puts on the queue. The worker parses it again and trusts nothing else. */
export const ConvertJobData = z.object({
  job_id: z.string(),
  input: z.string(),
  output: z.string(),
  preset: z.string(),
  options: ResolvedOptions,
  overwrite: z.boolean(),
  request_id: z.string(),
  /**
   * The job's stream_copy. Outside `options` on purpose: ResolvedOptions is
   * strict, and a worker of an older version must still read this payload
   * (it then re-encodes, as it always did). Absent means `auto`.
   */
  stream_copy: z.enum(STREAM_COPY_MODES).optional(),
  /** Set by the worker once the output is in place, so a retry can recognise it (inode and size). */
  published: z.object({ ino: z.number(), size: z.number(), encoder: z.string().nullable() }).optional(),
  /** On a segmented job's parent (the join): how the input was cut (ADR 0026). */
  segments: SegmentPlan.optional(),
  /** On a child of a segmented job: which part it encodes; `output` is then the part's hidden file. */
  segment: SegmentRef.optional(),
});
export type ConvertJobData = z.infer<typeof ConvertJobData>;

/** What the worker reports through `job.updateProgress`. */
export const JobProgress = z.object({
  percent: z.number().min(0).max(100),
  fps: z.number().nullable(),
  speed: z.number().nullable(),
  eta_seconds: z.number().nullable(),
  encoder: z.string().nullable(),
  worker: z.string(),
  /** Where the video is decoded, scaled and encoded (added with ADR 0017; absent from older workers). */
  pipeline: VideoPipeline.nullable().optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** The processor's return value. */
export const ConvertJobReturn = z.object({
  result: JobResult,
  encoder: z.string().nullable(),
  worker: z.string(),
  pipeline: VideoPipeline.nullable().optional(),
});
export type ConvertJobReturn = z.infer<typeof ConvertJobReturn>;

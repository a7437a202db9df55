import { z } from "zod";
import { JobResult } from "../jobs/job-outcome.js";
import { ResolvedOptions } from "../jobs/resolved-options.js";
import { VideoPipeline } from "../jobs/video-pipeline.js";

/** What the API puts on the queue. The worker parses it again and trusts nothing else. */
export const ConvertJobData = z.object({
  job_id: z.string(),
  input: z.string(),
  output: z.string(),
  preset: z.string(),
  options: ResolvedOptions,
  overwrite: z.boolean(),
  request_id: z.string(),
  /** Set by the worker once the output is in place, so a retry can recognise it (inode and size). */
  published: z.object({ ino: z.number(), size: z.number(), encoder: z.string().nullable() }).optional(),
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

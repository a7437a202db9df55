import { z } from "zod";
import { ResolvedOptions } from "./resolved-options.js";

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
});
export type JobProgress = z.infer<typeof JobProgress>;

/** `result` of a completed job: read back from the output with ffprobe. */
export const JobResult = z
  .object({
    output: z.string(),
    size_bytes: z.number().int(),
    duration_seconds: z.number().nullable(),
    video_codec: z.string().nullable(),
    audio_codec: z.string().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
  })
  .meta({ id: "JobResult" });
export type JobResult = z.infer<typeof JobResult>;

/** The processor's return value. */
export const ConvertJobReturn = z.object({
  result: JobResult,
  encoder: z.string().nullable(),
  worker: z.string(),
});
export type ConvertJobReturn = z.infer<typeof ConvertJobReturn>;

export const JobError = z.object({ code: z.string(), message: z.string() }).meta({ id: "JobError" });
export type JobError = z.infer<typeof JobError>;

/** How a job a client cancelled ends, whoever records it (the API, the reconciler or the worker). */
export const CANCELLED_BY_CLIENT = {
  code: "cancelled",
  message: "the job was cancelled by a client request",
} as const satisfies JobError;

/**
 * BullMQ keeps only a failure's message, so the worker writes the code in
 * front of it: "[invalid_media] no audio or video stream". The API reads it
 * back with parseFailedReason.
 */
export function formatFailedReason(code: string, message: string): string {
  return `[${code}] ${message}`;
}

export function parseFailedReason(reason: string | undefined): JobError {
  const match = /^\[([a-z_]+)\] ([\s\S]*)$/.exec(reason ?? "");
  if (match?.[1] && match[2] !== undefined) return { code: match[1], message: match[2] };
  return { code: "worker_error", message: reason || "the worker failed without a reason" };
}

import { z } from "zod";

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

/** `error` of a failed or cancelled job: a stable code (errors.ts) and a message safe to show. */
export const JobError = z.object({ code: z.string(), message: z.string() }).meta({ id: "JobError" });
export type JobError = z.infer<typeof JobError>;

/** How a job a client cancelled ends, whoever records it (the API, the reconciler or the worker). */
export const CANCELLED_BY_CLIENT = {
  code: "cancelled",
  message: "the job was cancelled by a client request",
} as const satisfies JobError;

import { z } from "zod";

/** What became of one stream of the input: copied as it was, or encoded, and why. */
export const StreamOutcome = z
  .object({
    type: z.enum(["video", "audio"]),
    action: z.enum(["copied", "encoded"]),
    /** The output stream's codec (ffprobe's name), as the job asked for it. */
    codec: z.string().nullable(),
    reason: z.string(),
  })
  .meta({ id: "StreamOutcome" });
export type StreamOutcome = z.infer<typeof StreamOutcome>;

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
    /** Per stream of the output: copied or encoded. Absent from jobs run by workers older than this field. */
    streams: z.array(StreamOutcome).optional(),
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

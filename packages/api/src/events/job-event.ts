import type { JobStatus, JobView } from "@converter/shared/jobs";
import { z } from "zod";

/** The kinds of event a job stream carries (docs/design.md §3, live events). */
export const JOB_EVENT_TYPES = ["status", "progress", "completed", "failed", "cancelled"] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** `progress` events: what moves while a job runs, without the whole job. */
export const JobProgressEvent = z
  .object({
    job_id: z.string(),
    status: z.literal("in_progress"),
    progress: z.number(),
    fps: z.number().nullable(),
    speed: z.number().nullable(),
    eta_seconds: z.number().nullable(),
    encoder: z.string().nullable(),
    worker: z.string().nullable(),
  })
  .meta({ id: "JobProgressEvent" });
export type JobProgressEvent = z.infer<typeof JobProgressEvent>;

/** One event as the log keeps it: its id, its type, and the JSON it sends. */
export type JobEvent = {
  /** Increasing across restarts: microseconds since the epoch, nudged up to stay unique. */
  id: number;
  type: JobEventType;
  jobId: string;
  /** The job JSON of /status (status and end events), or a JobProgressEvent; serialised once. */
  data: string;
};

/** The event a change of a job shows: an end, a new status, or progress within the same status. */
export function eventTypeOf(previous: JobStatus | undefined, current: JobStatus): JobEventType {
  if (current === "completed" || current === "failed" || current === "cancelled") return current;
  if (previous !== current || current !== "in_progress") return "status";
  return "progress";
}

export function progressOf(job: JobView): JobProgressEvent {
  return {
    job_id: job.job_id,
    status: "in_progress",
    progress: job.progress,
    fps: job.fps,
    speed: job.speed,
    eta_seconds: job.eta_seconds,
    encoder: job.encoder,
    worker: job.worker,
  };
}

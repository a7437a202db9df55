import { z } from "zod";
import { JobError, JobResult } from "./job-outcome.js";
import { JOB_STATUSES } from "./job-status.js";
import { STREAM_COPY_MODES } from "./media-words.js";
import { ResolvedOptions } from "./resolved-options.js";
import { SegmentsView } from "./segments.js";
import { VideoPipeline } from "./video-pipeline.js";

export const WEBHOOK_DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** Delivery of the job's terminal-state webhook; null until the job ends (or without `webhook_url`). */
export const WebhookDelivery = z
  .object({
    status: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** A job as the API shows it (docs/design.md §3.4). */
export const JobView = z
  .object({
    job_id: z.string(),
    status: z.enum(JOB_STATUSES),
    progress: z.number().min(0).max(100),
    input: z.string(),
    output: z.string(),
    preset: z.string(),
    options: ResolvedOptions,
    overwrite: z.boolean(),
    priority: z.number().int(),
    stream_copy: z.enum(STREAM_COPY_MODES),
    encoder: z.string().nullable(),
    worker: z.string().nullable(),
    fps: z.number().nullable(),
    speed: z.number().nullable(),
    eta_seconds: z.number().nullable(),
    attempts: z.number().int(),
    retries: z.number().int(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    error: JobError.nullable(),
    result: JobResult.nullable(),
    webhook_url: z.string().nullable(),
    webhook: WebhookDelivery.nullable(),
    /** The BullMQ queue the job runs from, chosen by what it needs of a worker (ADR 0016). */
    queue: z.string(),
    /** Why a queued job is not running yet, e.g. no live worker can run it; null otherwise. */
    waiting_reason: z.string().nullable(),
    /** Where the video was decoded, scaled and encoded (ADR 0017); null before start and without a video encode. */
    pipeline: VideoPipeline.nullable(),
    /** A segmented job's plan, children, their progress and workers (ADR 0026); null for a single-pass job. */
    segments: SegmentsView.nullable(),
  })
  .meta({ id: "Job" });
export type JobView = z.infer<typeof JobView>;

export const JobList = z.object({ jobs: z.array(JobView), next_cursor: z.string().nullable() }).meta({ id: "JobList" });
export type JobList = z.infer<typeof JobList>;

export const JobLogs = z.object({ logs: z.array(z.string()) }).meta({ id: "JobLogs" });
export type JobLogs = z.infer<typeof JobLogs>;

import {
  type JobError,
  type JobResult,
  type JobView,
  ResolvedOptions,
  SegmentsView,
  shownPercent,
  VideoPipeline,
} from "@converter/shared/jobs";
import { DEFAULT_QUEUE_NAME, type JobRoute, routeOf, routeQueueName } from "@converter/shared/queue";
import type { JobRow, WebhookDeliveryRow } from "../store/schema.js";

/** A job's row as views read it: without `logs` (GET /jobs/{id}/logs alone shows them) nor a segmented job's plan (for its retry). */
export type ViewedJobRow = Omit<JobRow, "logs" | "segmentPlan">;

/**
 * How the views name a job's queue and say why it waits (ADR 0016): the
 * base QUEUE_NAME, and the fleet's answer for a route (null: nothing to
 * say, e.g. a live worker serves it). Reads the API's cached view of the
 * fleet, never Redis, so reads keep working while Redis is down.
 */
export type JobRouting = {
  queueName: string;
  waitingReason?: (route: JobRoute) => string | null;
};

const DEFAULT_ROUTING: JobRouting = { queueName: DEFAULT_QUEUE_NAME };

/**
 * A job as clients see it (docs/design.md §3.4), from its row and the
 * delivery of its current run's webhook. JSON columns are parsed again on
 * the way out, so a row never shows a shape the contract does not allow.
 */
export function toJobView(
  row: ViewedJobRow,
  delivery: WebhookDeliveryRow | null | undefined,
  routing: JobRouting = DEFAULT_ROUTING,
): JobView {
  const options = ResolvedOptions.parse(row.options);
  const route = routeOf(options);
  const pipeline = VideoPipeline.safeParse(row.pipeline);
  return {
    job_id: row.id,
    status: row.status,
    progress: shownPercent(row.progress),
    input: row.input,
    output: row.output,
    preset: row.preset,
    options,
    overwrite: row.overwrite,
    priority: row.priority,
    stream_copy: row.streamCopy,
    encoder: row.encoder,
    worker: row.worker,
    fps: row.fps,
    speed: row.speed,
    eta_seconds: row.etaSeconds,
    attempts: row.attempts,
    retries: row.retries,
    created_at: row.createdAt,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
    error: (row.error as JobError | null) ?? null,
    result: (row.result as JobResult | null) ?? null,
    webhook_url: row.webhookUrl,
    webhook: delivery?.status
      ? {
          status: delivery.status,
          attempts: delivery.attempts,
          last_status_code: delivery.lastStatusCode,
          last_error: delivery.lastError,
          last_attempt_at: delivery.lastAttemptAt,
        }
      : null,
    queue: routeQueueName(routing.queueName, route),
    waiting_reason: row.status === "queued" ? (routing.waitingReason?.(route) ?? null) : null,
    pipeline: pipeline.success ? pipeline.data : null,
    segments: segmentsOf(row),
  };
}

/** A segmented job's children, progress to a tenth like the job's own; null for a single-pass job. */
function segmentsOf(row: Pick<JobRow, "segments">): SegmentsView | null {
  const parsed = SegmentsView.safeParse(row.segments);
  if (!parsed.success) return null;
  return {
    ...parsed.data,
    children: parsed.data.children.map((child) => ({ ...child, progress: shownPercent(child.progress) })),
  };
}

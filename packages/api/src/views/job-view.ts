import { type JobError, type JobResult, type JobView, ResolvedOptions, shownPercent } from "@converter/shared/jobs";
import type { JobRow, WebhookDeliveryRow } from "../store/schema.js";

/**
 * A job as clients see it (docs/design.md §3.4), from its row and the
 * delivery of its current run's webhook. JSON columns are parsed again on
 * the way out, so a row never shows a shape the contract does not allow.
 */
export function toJobView(row: JobRow, delivery: WebhookDeliveryRow | null | undefined): JobView {
  return {
    job_id: row.id,
    status: row.status,
    progress: shownPercent(row.progress),
    input: row.input,
    output: row.output,
    preset: row.preset,
    options: ResolvedOptions.parse(row.options),
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
  };
}

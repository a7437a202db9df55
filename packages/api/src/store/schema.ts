import { UPLOAD_STATUSES } from "@converter/shared/files";
import { JOB_STATUSES, STREAM_COPY_MODES, WEBHOOK_DELIVERY_STATES } from "@converter/shared/jobs";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per job: the API's own record (docs/design.md §1). JSON columns
 * hold values whose shape is a shared zod schema, parsed again on read.
 * Written by JobStore alone.
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    progress: real("progress").notNull().default(0),
    input: text("input").notNull(),
    output: text("output").notNull(),
    preset: text("preset").notNull(),
    options: text("options", { mode: "json" }).notNull(),
    overwrite: integer("overwrite", { mode: "boolean" }).notNull(),
    priority: integer("priority").notNull(),
    streamCopy: text("stream_copy", { enum: STREAM_COPY_MODES }).notNull().default("auto"),
    webhookUrl: text("webhook_url"),
    requestId: text("request_id").notNull(),
    encoder: text("encoder"),
    worker: text("worker"),
    fps: real("fps"),
    speed: real("speed"),
    etaSeconds: real("eta_seconds"),
    attempts: integer("attempts").notNull().default(0),
    /** Runs started before the latest POST /retry; `attempts` counts on from here. */
    attemptsBase: integer("attempts_base").notNull().default(0),
    /** How often a client re-queued the job with POST /jobs/{id}/retry. */
    retries: integer("retries").notNull().default(0),
    /** Set when a client asked to cancel the job; the worker's confirmation ends it. */
    cancelRequestedAt: text("cancel_requested_at"),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    error: text("error", { mode: "json" }),
    result: text("result", { mode: "json" }),
    /** Where the video was decoded, scaled and encoded (a VideoPipeline; ADR 0017). */
    pipeline: text("pipeline", { mode: "json" }),
    logs: text("logs", { mode: "json" }).notNull().default([]),
    /** A segmented job's cut (a SegmentPlan, ADR 0026): what its flow is queued again from. Null for a single pass. */
    segmentPlan: text("segment_plan", { mode: "json" }),
    /** A segmented job's children as the job shows them (a SegmentsView); written by SegmentStore alone. */
    segments: text("segments", { mode: "json" }),
    /** Set when OUTPUT_RETENTION_DAYS removed the output; the record stays until JOB_RETENTION_DAYS. */
    outputDeletedAt: text("output_deleted_at"),
    /**
     * When the row or its webhook deliveries last changed: set by triggers
     * (migration 0008), never by the code. A client back on GET /events is
     * sent the jobs changed since it left (ADR 0037).
     */
    changedAt: text("changed_at"),
  },
  (table) => [
    index("jobs_created_idx").on(table.createdAt, table.id),
    index("jobs_status_created_idx").on(table.status, table.createdAt, table.id),
    index("jobs_output_status_idx").on(table.output, table.status),
    index("jobs_input_status_idx").on(table.input, table.status),
    index("jobs_finished_idx").on(table.finishedAt),
    index("jobs_changed_idx").on(table.changedAt),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;

/**
 * How many jobs are in each status, kept by triggers on `jobs` (migration
 * 0007) in the same transaction as the write that moves a job: the queue
 * limit every submission checks, and /metrics, read one row instead of
 * counting an index range that grows with the queue (ADR 0037).
 * Nothing in the code writes it.
 */
export const jobStatusCounts = sqliteTable("job_status_counts", {
  status: text("status", { enum: JOB_STATUSES }).primaryKey(),
  n: integer("n").notNull(),
});

/**
 * The terminal-state webhook of each run of a job: `round` is the job's
 * `retries` when the run ended, so a retried job that ends again gets a
 * delivery of its own. A run with a `webhook_url` and no row here has not
 * been queued yet. Written by WebhookStore alone.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    round: integer("round").notNull(),
    /** Null for runs that ended before webhooks were delivered: nothing is ever sent for them. */
    status: text("status", { enum: WEBHOOK_DELIVERY_STATES }),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: text("last_attempt_at"),
  },
  (table) => [primaryKey({ columns: [table.jobId, table.round] }), index("webhook_status_idx").on(table.status)],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/**
 * Idempotency-Key → the job it created (Stripe semantics, kept 24 hours).
 * `request_hash` is a hash of the canonical request body, so the same key
 * with a different body is told apart from a repeat.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    key: text("key").primaryKey(),
    requestHash: text("request_hash").notNull(),
    jobId: text("job_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("idempotency_created_idx").on(table.createdAt)],
);
export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export const UPLOAD_KINDS = ["single", "tus"] as const;

/**
 * One row per upload (docs/adr/0021-files-over-http.md): `single` for one
 * POST /uploads (or a multipart POST /convert), `tus` for a resumable one.
 * The row is written before the first byte, so a crash leaves a record the
 * retention sweep can clean up. Written by UploadStore alone.
 */
export const uploads = sqliteTable(
  "uploads",
  {
    id: text("id").primaryKey(),
    /** The client's name, made safe (uploads/safe-file-name.ts). */
    name: text("name").notNull(),
    /** uploads/<id>/<name>, relative to the media root: what a job takes as input. */
    path: text("path").notNull(),
    kind: text("kind", { enum: UPLOAD_KINDS }).notNull(),
    status: text("status", { enum: UPLOAD_STATUSES }).notNull(),
    sizeBytes: integer("size_bytes").notNull().default(0),
    /** Upload-Length of a tus upload; Content-Length of a single one, when sent. */
    expectedBytes: integer("expected_bytes"),
    sha256: text("sha256"),
    createdAt: text("created_at").notNull(),
    completedAt: text("completed_at"),
  },
  (table) => [index("uploads_created_idx").on(table.createdAt), index("uploads_path_idx").on(table.path)],
);
export type UploadRow = typeof uploads.$inferSelect;
export type NewUploadRow = typeof uploads.$inferInsert;

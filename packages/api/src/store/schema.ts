import { JOB_STATUSES } from "@converter/shared";
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per job: the API's own record (shared/DESIGN.md §1). JSON columns
 * hold values whose shape is a shared zod schema, parsed again on read.
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
    webhookUrl: text("webhook_url"),
    requestId: text("request_id").notNull(),
    encoder: text("encoder"),
    worker: text("worker"),
    fps: real("fps"),
    speed: real("speed"),
    etaSeconds: real("eta_seconds"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    error: text("error", { mode: "json" }),
    result: text("result", { mode: "json" }),
    logs: text("logs", { mode: "json" }).notNull().default([]),
  },
  (table) => [
    index("jobs_created_idx").on(table.createdAt, table.id),
    index("jobs_status_created_idx").on(table.status, table.createdAt, table.id),
    index("jobs_output_status_idx").on(table.output, table.status),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;

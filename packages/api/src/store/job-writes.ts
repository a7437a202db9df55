import { LIVE_STATUSES } from "@converter/shared/jobs";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import { jobStatusCounts, jobs, type NewJobRow } from "./schema.js";

/** The columns a submission sets; the rest start at their defaults. */
export type SubmittedJobRow = Pick<
  NewJobRow,
  | "id"
  | "status"
  | "progress"
  | "input"
  | "output"
  | "preset"
  | "options"
  | "overwrite"
  | "priority"
  | "streamCopy"
  | "webhookUrl"
  | "requestId"
  | "createdAt"
  | "logs"
  | "segmentPlan"
  | "segments"
>;

const isLive = inArray(jobs.status, [...LIVE_STATUSES]);
const byId = eq(jobs.id, sql.placeholder("id"));
/** A plain (not JSON) column's value, bound at run time. */
const param = (name: string) => sql`${sql.placeholder(name)}`;
/** A JSON value passed into an `sql` template is not the column's, so drizzle does not encode it: the caller does. */
const keepUnlessGiven = (name: string, column: typeof jobs.logs | typeof jobs.pipeline) =>
  sql`coalesce(${sql.placeholder(name)}, ${column})`;

/**
 * The statements JobStore runs for every job event, built and prepared once.
 * Building a statement with drizzle and preparing it costs about 0.5 ms each
 * time, several times the write itself (issue 12's profile), and every job
 * goes through these several times a second while it runs.
 */
export function prepareJobWrites(db: Db) {
  return {
    // Column values through placeholders keep drizzle's encoding (JSON, booleans) for each column.
    insertSubmitted: db
      .insert(jobs)
      .values({
        id: sql.placeholder("id"),
        status: sql.placeholder("status"),
        progress: sql.placeholder("progress"),
        input: sql.placeholder("input"),
        output: sql.placeholder("output"),
        preset: sql.placeholder("preset"),
        options: sql.placeholder("options"),
        overwrite: sql.placeholder("overwrite"),
        priority: sql.placeholder("priority"),
        streamCopy: sql.placeholder("streamCopy"),
        webhookUrl: sql.placeholder("webhookUrl"),
        requestId: sql.placeholder("requestId"),
        createdAt: sql.placeholder("createdAt"),
        logs: sql.placeholder("logs"),
        // Nullable JSON: through the column a null would be stored as the text "null"; the caller encodes these.
        segmentPlan: param("segmentPlan"),
        segments: param("segments"),
      } satisfies Record<keyof SubmittedJobRow, unknown>)
      .prepare(),
    getRow: db.select().from(jobs).where(byId).prepare(),
    // One row the triggers keep (migration 0007): counting the queued jobs' index range grew with the queue.
    countQueued: db
      .select({ n: jobStatusCounts.n })
      .from(jobStatusCounts)
      .where(eq(jobStatusCounts.status, "queued"))
      .prepare(),
    liveWriter: db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.output, sql.placeholder("output")), isLive))
      .prepare(),
    otherLiveWriter: db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.output, sql.placeholder("output")), isLive, ne(jobs.id, sql.placeholder("exceptId"))))
      .prepare(),
    markActive: db
      .update(jobs)
      .set({
        status: "in_progress",
        startedAt: sql`coalesce(${jobs.startedAt}, ${sql.placeholder("at")})`,
        // BullMQ's count of runs started (counted on from before the latest retry), else one more than recorded.
        attempts: sql`case when ${sql.placeholder("attempts")} is null then ${jobs.attempts} + 1
          else ${jobs.attemptsBase} + ${sql.placeholder("attempts")} end`,
      })
      .where(and(byId, isLive))
      .prepare(),
    // Only a running job moves: one already queued is left untouched, so nothing is announced for it
    // (each reconciliation told live-event clients of every waiting job once a minute).
    markQueued: db
      .update(jobs)
      .set({ status: "queued", fps: null, speed: null, etaSeconds: null })
      .where(and(byId, eq(jobs.status, "in_progress")))
      .prepare(),
    updateProgress: db
      .update(jobs)
      .set({
        status: "in_progress",
        progress: sql`max(${jobs.progress}, ${sql.placeholder("percent")})`,
        fps: param("fps"),
        speed: param("speed"),
        etaSeconds: param("eta"),
        encoder: param("encoder"),
        worker: param("worker"),
        pipeline: keepUnlessGiven("pipeline", jobs.pipeline),
      })
      .where(and(byId, isLive))
      .prepare(),
    markCompleted: db
      .update(jobs)
      .set({
        status: "completed",
        progress: 100,
        result: sql.placeholder("result"),
        encoder: param("encoder"),
        worker: param("worker"),
        pipeline: keepUnlessGiven("pipeline", jobs.pipeline),
        etaSeconds: 0,
        finishedAt: param("finishedAt"),
        error: null,
        logs: keepUnlessGiven("logs", jobs.logs),
      })
      .where(and(byId, isLive))
      .prepare(),
    markFailed: db
      .update(jobs)
      .set({
        status: param("status"),
        error: sql.placeholder("error"),
        finishedAt: param("finishedAt"),
        etaSeconds: null,
        logs: keepUnlessGiven("logs", jobs.logs),
      })
      .where(and(byId, isLive))
      .prepare(),
    setLogs: db
      .update(jobs)
      .set({ logs: sql.placeholder("logs") })
      .where(byId)
      .prepare(),
  };
}
export type JobWrites = ReturnType<typeof prepareJobWrites>;

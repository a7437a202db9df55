import { type JobError, type JobStatus, LIVE_STATUSES, runningPercent } from "@converter/shared/jobs";
import type { ConvertJobReturn, JobProgress } from "@converter/shared/queue";
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { type Db, inTransaction } from "./db.js";
import { type JobWrites, prepareJobWrites, type SubmittedJobRow } from "./job-writes.js";
import { type JobRow, jobs } from "./schema.js";

/** How many of ffmpeg's last log lines a job keeps. */
export const LOG_TAIL_LINES = 200;

const isLive = inArray(jobs.status, [...LIVE_STATUSES]);
const RETRYABLE_STATUSES = ["failed", "cancelled"] as const;

export type RetryOutcome =
  | { ok: true }
  | { ok: false; reason: "missing" | "not_retryable"; status?: JobStatus }
  | { ok: false; reason: "output_busy"; conflictingJobId: string };

/** Told after every write that changes what a client sees of a job's state (its status or progress). */
export type JobChangeListener = { jobChanged(jobId: string): void };

/**
 * The only writer of the `jobs` table, with the reads its callers need to
 * decide a write. What clients read goes through views/ instead.
 * better-sqlite3 is synchronous, so each method is atomic with respect to
 * the event loop: a check-then-insert cannot interleave with another request.
 */
export class JobStore {
  private readonly writes: JobWrites;

  constructor(
    private readonly db: Db,
    /** The live event log (events/); absent where nothing listens (tests of the store alone). */
    private readonly changes?: JobChangeListener,
  ) {
    this.writes = prepareJobWrites(db);
  }

  /** Tells the listener when a statement changed the job's row. */
  private changed(jobId: string, result: { changes: number }): void {
    if (result.changes > 0) this.changes?.jobChanged(jobId);
  }

  /** Inserts a queued job unless a live job already writes the same output. */
  insertIfOutputFree(row: SubmittedJobRow): { ok: true } | { ok: false; conflictingJobId: string } {
    return inTransaction(this.db, () => {
      const writer = this.liveJobWriting(row.output);
      if (writer) return { ok: false as const, conflictingJobId: writer };
      // The table's defaults for what the caller left out: a prepared statement binds every column it names.
      this.writes.insertSubmitted.run({
        progress: 0,
        webhookUrl: null,
        streamCopy: "auto",
        logs: [],
        ...row,
        segmentPlan: jsonOrNull(row.segmentPlan),
        segments: jsonOrNull(row.segments),
      });
      return { ok: true as const };
    });
  }

  /** Announces a job whose submission is complete (on the queue), not before: a taken-back one never existed. */
  announce(id: string): void {
    this.changes?.jobChanged(id);
  }

  /** Takes back a submission that never reached the queue. */
  delete(id: string): void {
    this.db.delete(jobs).where(eq(jobs.id, id)).run();
  }

  /**
   * The live job, other than `exceptId`, that writes this output, if any.
   * better-sqlite3 has one connection, so inside a transaction this reads
   * within it.
   */
  liveJobWriting(output: string, exceptId?: string): string | undefined {
    const found =
      exceptId === undefined
        ? this.writes.liveWriter.get({ output })
        : this.writes.otherLiveWriter.get({ output, exceptId });
    return found?.id;
  }

  /** A live job whose input is this path (relative to the media root), if any: its file must stay. */
  liveJobReading(input: string): string | undefined {
    return this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.input, input), isLive))
      .get()?.id;
  }

  markCancelRequested(id: string, at: string): void {
    this.db
      .update(jobs)
      .set({ cancelRequestedAt: sql`coalesce(${jobs.cancelRequestedAt}, ${at})` })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  /**
   * A failed or cancelled job back to queued, as a new run of the same job:
   * its attempts so far are kept as the base the next ones count on from,
   * and `retries` moves on, which also starts a new round of its webhook.
   * Refused while another live job writes the same output.
   */
  requeueForRetry(id: string): RetryOutcome {
    return inTransaction(this.db, (): RetryOutcome => {
      const row = this.getRow(id);
      if (!row) return { ok: false, reason: "missing" };
      if (!(RETRYABLE_STATUSES as readonly string[]).includes(row.status)) {
        return { ok: false, reason: "not_retryable", status: row.status };
      }
      const writer = this.liveJobWriting(row.output, id);
      if (writer) return { ok: false, reason: "output_busy", conflictingJobId: writer };
      this.db
        .update(jobs)
        .set({
          status: "queued",
          progress: 0,
          fps: null,
          speed: null,
          etaSeconds: null,
          encoder: null,
          worker: null,
          startedAt: null,
          finishedAt: null,
          error: null,
          result: null,
          pipeline: null,
          cancelRequestedAt: null,
          attemptsBase: row.attempts,
          retries: row.retries + 1,
        })
        .where(eq(jobs.id, id))
        .run();
      this.changes?.jobChanged(id);
      return { ok: true };
    });
  }

  getRow(id: string): JobRow | undefined {
    return this.writes.getRow.get({ id });
  }

  countQueued(): number {
    return this.writes.countQueued.get()?.n ?? 0;
  }

  /** Every live job's id and status (reconciliation's list; the status index answers it). */
  liveJobs(): { id: string; status: JobStatus }[] {
    return this.db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(isLive).all();
  }

  /**
   * `attempts` from BullMQ when it could be read (counted on from the runs
   * before the latest retry), else one more than recorded.
   */
  markActive(id: string, at: string, attempts: number | undefined): void {
    this.changed(id, this.writes.markActive.run({ id, at, attempts: attempts ?? null }));
  }

  /** Back to queued: a retry after a transient failure, or a job handed back by a stopping worker. */
  markQueued(id: string): void {
    this.changed(id, this.writes.markQueued.run({ id }));
  }

  /** Under the shared progress rules: it only rises, and only a completed job shows 100. */
  updateProgress(id: string, p: JobProgress): void {
    const result = this.writes.updateProgress.run({
      id,
      percent: runningPercent(p.percent),
      fps: p.fps,
      speed: p.speed,
      eta: p.eta_seconds,
      encoder: p.encoder,
      worker: p.worker,
      // A worker older than the GPU pipeline (ADR 0017) sends none: what is known is kept.
      pipeline: jsonOrNull(p.pipeline),
    });
    this.changed(id, result);
  }

  markCompleted(id: string, ret: ConvertJobReturn, finishedAt: string, logs: string[] | undefined): void {
    const result = this.writes.markCompleted.run({
      id,
      result: ret.result,
      encoder: ret.encoder,
      worker: ret.worker,
      pipeline: jsonOrNull(ret.pipeline),
      finishedAt,
      logs: jsonOrNull(logs && tail(logs)),
    });
    this.changed(id, result);
  }

  markFailed(id: string, error: JobError, finishedAt: string, logs: string[] | undefined): void {
    const result = this.writes.markFailed.run({
      id,
      status: error.code === "cancelled" ? "cancelled" : "failed",
      error,
      finishedAt,
      logs: jsonOrNull(logs && tail(logs)),
    });
    this.changed(id, result);
  }

  /**
   * JOB_RETENTION_DAYS: removes up to `limit` jobs that ended before
   * `cutoff` (their logs live in the row; webhook_deliveries go with them by
   * ON DELETE CASCADE) and returns their ids. Live jobs are never pruned.
   */
  pruneEndedBefore(cutoff: string, limit: number): string[] {
    return inTransaction(this.db, () => {
      const ids = this.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(inArray(jobs.status, ["completed", "failed", "cancelled"]), lt(jobs.finishedAt, cutoff)))
        .limit(limit)
        .all()
        .map((r) => r.id);
      if (ids.length > 0) this.db.delete(jobs).where(inArray(jobs.id, ids)).run();
      return ids;
    });
  }

  /** OUTPUT_RETENTION_DAYS: completed jobs that ended before `cutoff` and whose output is still there. */
  outputsOlderThan(cutoff: string, limit: number): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.status, "completed"), lt(jobs.finishedAt, cutoff), isNull(jobs.outputDeletedAt)))
      .limit(limit)
      .all();
  }

  markOutputDeleted(id: string, at: string): void {
    this.db.update(jobs).set({ outputDeletedAt: at }).where(eq(jobs.id, id)).run();
  }

  setLogs(id: string, logs: string[]): void {
    this.writes.setLogs.run({ id, logs: tail(logs) });
  }
}

/** For a JSON column set through `coalesce(?, column)`: drizzle does not encode such a value itself. */
function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function tail(lines: string[]): string[] {
  return lines.length > LOG_TAIL_LINES ? lines.slice(-LOG_TAIL_LINES) : lines;
}

import {
  type ConvertJobReturn,
  type JobError,
  type JobProgress,
  type JobStatus,
  type JobView,
  LIVE_STATUSES,
  ResolvedOptions,
} from "@converter/shared";
import { and, count, desc, eq, inArray, lt, ne, or, sql } from "drizzle-orm";
import { type Cursor, decodeCursor, encodeCursor } from "./cursor.js";
import type { Db } from "./db.js";
import { type IdempotencyRow, idempotencyKeys, type JobRow, jobs, type NewJobRow } from "./schema.js";

/** How many of ffmpeg's last log lines a job keeps. */
export const LOG_TAIL_LINES = 200;

const isLive = inArray(jobs.status, [...LIVE_STATUSES]);
const RETRYABLE_STATUSES = ["failed", "cancelled"] as const;

export type RetryOutcome =
  | { ok: true }
  | { ok: false; reason: "missing" | "not_retryable"; status?: JobStatus }
  | { ok: false; reason: "output_busy"; conflictingJobId: string };

/**
 * All SQL of the API. better-sqlite3 is synchronous, so each method is atomic
 * with respect to the event loop: a check-then-insert cannot interleave with
 * another request.
 */
export class JobStore {
  constructor(private readonly db: Db) {}

  /**
   * Inserts a queued job unless a live job already writes the same output,
   * together with the Idempotency-Key that created it, if any.
   */
  insertIfOutputFree(
    row: NewJobRow,
    idempotency?: { key: string; requestHash: string },
  ): { ok: true } | { ok: false; conflictingJobId: string } {
    return this.db.transaction((tx) => {
      const writer = this.liveJobWriting(row.output);
      if (writer) return { ok: false as const, conflictingJobId: writer };
      tx.insert(jobs).values(row).run();
      if (idempotency) {
        tx.insert(idempotencyKeys)
          .values({ ...idempotency, jobId: row.id, createdAt: row.createdAt })
          .onConflictDoUpdate({
            target: idempotencyKeys.key,
            set: { requestHash: idempotency.requestHash, jobId: row.id, createdAt: row.createdAt },
          })
          .run();
      }
      return { ok: true as const };
    });
  }

  /** Takes back a submission that never reached the queue, with its idempotency key. */
  delete(id: string): void {
    this.db.transaction((tx) => {
      tx.delete(idempotencyKeys).where(eq(idempotencyKeys.jobId, id)).run();
      tx.delete(jobs).where(eq(jobs.id, id)).run();
    });
  }

  /** The job an Idempotency-Key created, unless the key is older than `notBefore`. */
  findIdempotencyKey(key: string, notBefore: string): IdempotencyRow | undefined {
    const row = this.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).get();
    return row && row.createdAt >= notBefore ? row : undefined;
  }

  purgeIdempotencyKeys(before: string): void {
    this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run();
  }

  /**
   * The live job, other than `exceptId`, that writes this output, if any.
   * better-sqlite3 has one connection, so inside a transaction this reads
   * within it.
   */
  liveJobWriting(output: string, exceptId?: string): string | undefined {
    const others = exceptId === undefined ? undefined : ne(jobs.id, exceptId);
    return this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.output, output), isLive, others))
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
   * its attempts so far are kept as the base the next ones count on from.
   * Refused while another live job writes the same output.
   */
  requeueForRetry(id: string): RetryOutcome {
    return this.db.transaction((tx): RetryOutcome => {
      const row = tx.select().from(jobs).where(eq(jobs.id, id)).get();
      if (!row) return { ok: false, reason: "missing" };
      if (!(RETRYABLE_STATUSES as readonly string[]).includes(row.status)) {
        return { ok: false, reason: "not_retryable", status: row.status };
      }
      const writer = this.liveJobWriting(row.output, id);
      if (writer) return { ok: false, reason: "output_busy", conflictingJobId: writer };
      tx.update(jobs)
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
          cancelRequestedAt: null,
          attemptsBase: row.attempts,
          retries: row.retries + 1,
          webhookStatus: null,
          webhookAttempts: 0,
          webhookLastStatusCode: null,
          webhookLastError: null,
          webhookLastAttemptAt: null,
        })
        .where(eq(jobs.id, id))
        .run();
      return { ok: true };
    });
  }

  get(id: string): JobView | undefined {
    const row = this.db.select().from(jobs).where(eq(jobs.id, id)).get();
    return row ? toJobView(row) : undefined;
  }

  getRow(id: string): JobRow | undefined {
    return this.db.select().from(jobs).where(eq(jobs.id, id)).get();
  }

  logs(id: string): string[] | undefined {
    const row = this.db.select({ logs: jobs.logs }).from(jobs).where(eq(jobs.id, id)).get();
    return row ? (row.logs as string[]) : undefined;
  }

  list(query: { status?: JobStatus; limit: number; cursor?: string }): { jobs: JobView[]; next_cursor: string | null } {
    const after: Cursor | undefined = query.cursor ? decodeCursor(query.cursor) : undefined;
    const conditions = [];
    if (query.status) conditions.push(eq(jobs.status, query.status));
    if (after) {
      conditions.push(
        or(lt(jobs.createdAt, after.createdAt), and(eq(jobs.createdAt, after.createdAt), lt(jobs.id, after.id))),
      );
    }
    const rows = this.db
      .select()
      .from(jobs)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(query.limit + 1)
      .all();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next = rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { jobs: page.map(toJobView), next_cursor: next };
  }

  countQueued(): number {
    return this.db.select({ n: count() }).from(jobs).where(eq(jobs.status, "queued")).get()?.n ?? 0;
  }

  liveIds(): string[] {
    return this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(isLive)
      .all()
      .map((r) => r.id);
  }

  /**
   * `attempts` from BullMQ when it could be read (counted on from the runs
   * before the latest retry), else one more than recorded.
   */
  markActive(id: string, at: string, attempts: number | undefined): void {
    this.db
      .update(jobs)
      .set({
        status: "in_progress",
        startedAt: sql`coalesce(${jobs.startedAt}, ${at})`,
        attempts: attempts !== undefined ? sql`${jobs.attemptsBase} + ${attempts}` : sql`${jobs.attempts} + 1`,
      })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  /** Back to queued: a retry after a transient failure, or a job handed back by a stopping worker. */
  markQueued(id: string): void {
    this.db
      .update(jobs)
      .set({ status: "queued", fps: null, speed: null, etaSeconds: null })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  /** Progress only rises, and only a completed job shows 100. */
  updateProgress(id: string, p: JobProgress): void {
    const percent = Math.min(p.percent, 99.9);
    this.db
      .update(jobs)
      .set({
        status: "in_progress",
        progress: sql`max(${jobs.progress}, ${percent})`,
        fps: p.fps,
        speed: p.speed,
        etaSeconds: p.eta_seconds,
        encoder: p.encoder,
        worker: p.worker,
      })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  markCompleted(id: string, ret: ConvertJobReturn, finishedAt: string, logs: string[] | undefined): void {
    this.db
      .update(jobs)
      .set({
        status: "completed",
        progress: 100,
        result: ret.result,
        encoder: ret.encoder,
        worker: ret.worker,
        etaSeconds: 0,
        finishedAt,
        error: null,
        ...(logs ? { logs: tail(logs) } : {}),
      })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  markFailed(id: string, error: JobError, finishedAt: string, logs: string[] | undefined): void {
    this.db
      .update(jobs)
      .set({
        status: error.code === "cancelled" ? "cancelled" : "failed",
        error,
        finishedAt,
        etaSeconds: null,
        ...(logs ? { logs: tail(logs) } : {}),
      })
      .where(and(eq(jobs.id, id), isLive))
      .run();
  }

  setLogs(id: string, logs: string[]): void {
    this.db
      .update(jobs)
      .set({ logs: tail(logs) })
      .where(eq(jobs.id, id))
      .run();
  }
}

function tail(lines: string[]): string[] {
  return lines.length > LOG_TAIL_LINES ? lines.slice(-LOG_TAIL_LINES) : lines;
}

export function toJobView(row: JobRow): JobView {
  return {
    job_id: row.id,
    status: row.status,
    progress: Math.round(row.progress * 10) / 10,
    input: row.input,
    output: row.output,
    preset: row.preset,
    options: ResolvedOptions.parse(row.options),
    overwrite: row.overwrite,
    priority: row.priority,
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
    result: (row.result as JobView["result"]) ?? null,
    webhook_url: row.webhookUrl,
    webhook: row.webhookStatus
      ? {
          status: row.webhookStatus,
          attempts: row.webhookAttempts,
          last_status_code: row.webhookLastStatusCode,
          last_error: row.webhookLastError,
          last_attempt_at: row.webhookLastAttemptAt,
        }
      : null,
  };
}

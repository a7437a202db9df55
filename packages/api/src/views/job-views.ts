import { type JobList, type JobStatus, type JobView, LIVE_STATUSES } from "@converter/shared/jobs";
import { and, desc, eq, gte, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { jobs, webhookDeliveries } from "../store/schema.js";
import { cursorNotIssued, decodeCursor, encodeCursor } from "./cursor.js";
import { type JobRouting, toJobView } from "./job-view.js";

/** The delivery of a job's current run: the round is the job's `retries`. */
const currentDelivery = and(eq(webhookDeliveries.jobId, jobs.id), eq(webhookDeliveries.round, jobs.retries));

/**
 * What clients read about jobs: one job, a page of jobs, a job's log. Reads
 * only; the writes belong to the stores.
 */
export class JobViews {
  constructor(
    private readonly db: Db,
    /** The job's queue and why it waits (ADR 0016); the default queue name and no reason when left out. */
    private readonly routing?: JobRouting,
  ) {}

  get(id: string): JobView | undefined {
    const found = this.rows(eq(jobs.id, id)).get();
    return found ? toJobView(found.job, found.delivery, this.routing) : undefined;
  }

  /** Newest first, `limit` at a time; `cursor` is the previous page's `next_cursor`. */
  list(query: { status?: JobStatus; limit: number; cursor?: string }): JobList {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // A cursor is the last row of a page the API served; job rows are kept for good.
    if (
      after &&
      !this.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.id, after.id), eq(jobs.createdAt, after.createdAt)))
        .get()
    ) {
      throw cursorNotIssued();
    }
    const conditions: (SQL | undefined)[] = [];
    if (query.status) conditions.push(eq(jobs.status, query.status));
    if (after) {
      conditions.push(
        or(lt(jobs.createdAt, after.createdAt), and(eq(jobs.createdAt, after.createdAt), lt(jobs.id, after.id))),
      );
    }
    const found = this.rows(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(query.limit + 1)
      .all();
    const page = found.slice(0, query.limit);
    const last = page.at(-1)?.job;
    const next = found.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { jobs: page.map(({ job, delivery }) => toJobView(job, delivery, this.routing)), next_cursor: next };
  }

  /**
   * Every job whose state may have changed since `since`: the live ones and
   * those that ended since; oldest first. A client that missed events gets
   * these instead.
   */
  changedSince(since: Date, jobId?: string): JobView[] {
    const changed = or(inArray(jobs.status, [...LIVE_STATUSES]), gte(jobs.finishedAt, since.toISOString()));
    return this.rows(and(changed, jobId === undefined ? undefined : eq(jobs.id, jobId)))
      .orderBy(jobs.createdAt, jobs.id)
      .all()
      .map(({ job, delivery }) => toJobView(job, delivery));
  }

  logs(id: string): string[] | undefined {
    const row = this.db.select({ logs: jobs.logs }).from(jobs).where(eq(jobs.id, id)).get();
    return row ? (row.logs as string[]) : undefined;
  }

  private rows(where: SQL | undefined) {
    return this.db
      .select({ job: jobs, delivery: webhookDeliveries })
      .from(jobs)
      .leftJoin(webhookDeliveries, currentDelivery)
      .where(where);
  }
}

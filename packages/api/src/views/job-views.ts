import type { JobList, JobStatus, JobView } from "@converter/shared/jobs";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { jobs, webhookDeliveries } from "../store/schema.js";
import { cursorNotIssued, decodeCursor, encodeCursor } from "./cursor.js";
import { toJobView } from "./job-view.js";

/** The delivery of a job's current run: the round is the job's `retries`. */
const currentDelivery = and(eq(webhookDeliveries.jobId, jobs.id), eq(webhookDeliveries.round, jobs.retries));

/**
 * What clients read about jobs: one job, a page of jobs, a job's log. Reads
 * only; the writes belong to the stores.
 */
export class JobViews {
  constructor(private readonly db: Db) {}

  get(id: string): JobView | undefined {
    const found = this.rows(eq(jobs.id, id)).get();
    return found ? toJobView(found.job, found.delivery) : undefined;
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
    return { jobs: page.map(({ job, delivery }) => toJobView(job, delivery)), next_cursor: next };
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

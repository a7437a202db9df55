import type { JobList, JobStatus, JobView } from "@converter/shared/jobs";
import { and, desc, eq, getTableColumns, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { jobs, webhookDeliveries } from "../store/schema.js";
import { cursorNotIssued, decodeCursor, encodeCursor } from "./cursor.js";
import { type JobRouting, toJobView } from "./job-view.js";
import { JobViewCache } from "./job-view-cache.js";

/**
 * Every column a view shows: not `logs` (up to 200 ffmpeg lines of JSON, for
 * GET /jobs/{id}/logs alone), which every status poll would otherwise read
 * and parse, nor a segmented job's plan (read by its retry).
 */
const { logs: _logs, segmentPlan: _segmentPlan, ...viewedColumns } = getTableColumns(jobs);

/** The delivery of a job's current run: the round is the job's `retries`. */
const currentDelivery = and(eq(webhookDeliveries.jobId, jobs.id), eq(webhookDeliveries.round, jobs.retries));

/**
 * What clients read about jobs: one job, a page of jobs, a job's log. Reads
 * only; the writes belong to the stores.
 */
export class JobViews {
  /**
   * The hot reads, built and prepared once: building a query with drizzle
   * and preparing its statement cost about 0.6 ms each time, ten times the
   * read itself (the profile behind issue 12).
   */
  private readonly byId;
  private readonly logsById;
  private readonly pages = new Map<string, ReturnType<JobViews["pageQuery"]>>();
  private readonly kept: JobViewCache;

  constructor(
    private readonly db: Db,
    /** The job's queue and why it waits (ADR 0016); the default queue name and no reason when left out. */
    private readonly routing?: JobRouting,
  ) {
    this.byId = this.rows(eq(jobs.id, sql.placeholder("id"))).prepare();
    this.logsById = db
      .select({ logs: jobs.logs })
      .from(jobs)
      .where(eq(jobs.id, sql.placeholder("id")))
      .prepare();
    this.kept = JobViewCache.of(db.$client);
  }

  get(id: string): JobView | undefined {
    const found = this.byId.get({ id });
    return found ? toJobView(found.job, found.delivery, this.routing) : undefined;
  }

  /** The same view as JSON, kept between the job's changes (ADR 0035): for a client that polls it. */
  json(id: string): string | undefined {
    return this.kept.json(id, () => this.get(id));
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
    const params = {
      limit: query.limit + 1,
      ...(query.status ? { status: query.status } : {}),
      ...(after ? { afterCreatedAt: after.createdAt, afterId: after.id } : {}),
    };
    const found = this.page(query.status !== undefined, after !== undefined).all(params);
    const page = found.slice(0, query.limit);
    const last = page.at(-1)?.job;
    const next = found.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { jobs: page.map(({ job, delivery }) => toJobView(job, delivery, this.routing)), next_cursor: next };
  }

  /**
   * Every job whose row or webhook deliveries changed since `since` (the
   * triggers' `changed_at`, ADR 0037); oldest first. A client that missed
   * events gets these instead. A job waiting all along is not among them:
   * at a deep queue, every live job was 16.5 MB per returning client.
   */
  changedSince(since: Date, jobId?: string): JobView[] {
    const changed = gte(jobs.changedAt, since.toISOString());
    return this.rows(and(changed, jobId === undefined ? undefined : eq(jobs.id, jobId)))
      .orderBy(jobs.createdAt, jobs.id)
      .all()
      .map(({ job, delivery }) => toJobView(job, delivery, this.routing));
  }

  logs(id: string): string[] | undefined {
    const row = this.logsById.get({ id });
    return row ? (row.logs as string[]) : undefined;
  }

  /** One prepared statement per shape of a page query (with or without a status filter and a cursor). */
  private page(byStatus: boolean, afterCursor: boolean) {
    const key = `${byStatus}:${afterCursor}`;
    let query = this.pages.get(key);
    if (!query) {
      query = this.pageQuery(byStatus, afterCursor);
      this.pages.set(key, query);
    }
    return query;
  }

  private pageQuery(byStatus: boolean, afterCursor: boolean) {
    const createdAt = sql.placeholder("afterCreatedAt");
    const conditions: (SQL | undefined)[] = [
      byStatus ? eq(jobs.status, sql.placeholder("status")) : undefined,
      afterCursor
        ? or(lt(jobs.createdAt, createdAt), and(eq(jobs.createdAt, createdAt), lt(jobs.id, sql.placeholder("afterId"))))
        : undefined,
    ];
    return this.rows(and(...conditions))
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(sql.placeholder("limit"))
      .prepare();
  }

  private rows(where: SQL | undefined) {
    return this.db
      .select({ job: viewedColumns, delivery: webhookDeliveries })
      .from(jobs)
      .leftJoin(webhookDeliveries, currentDelivery)
      .where(where);
  }
}

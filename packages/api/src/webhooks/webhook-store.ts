import { TERMINAL_STATUSES, type WebhookDeliveryState } from "@converter/shared";
import { and, eq, inArray, isNotNull, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { type JobRow, jobs } from "../store/schema.js";

/**
 * A finished run whose webhook has not been queued: the job ended, it has a
 * webhook_url, and the webhook_* columns describe no delivery of this run
 * (`retries` counts the runs, so a retried job that ends again qualifies).
 */
const unclaimed = and(
  inArray(jobs.status, [...TERMINAL_STATUSES]),
  isNotNull(jobs.webhookUrl),
  or(isNull(jobs.webhookRound), ne(jobs.webhookRound, jobs.retries)),
);

export type AttemptRecord = {
  status: WebhookDeliveryState;
  attempts: number;
  statusCode: number | null;
  error: string | null;
  at: string;
};

/**
 * The SQL of webhook delivery, on the API's job table. Every write is one
 * conditional UPDATE, atomic under better-sqlite3, so two callers racing to
 * queue the same delivery cannot both win.
 */
export class WebhookStore {
  constructor(private readonly db: Db) {}

  /**
   * Marks the job's webhook pending for its current run, if it is finished,
   * has a webhook_url and nothing was queued for this run yet. Returns the
   * row as claimed, or undefined when there is nothing to queue.
   */
  claim(jobId: string): JobRow | undefined {
    const changed = this.db
      .update(jobs)
      .set({
        webhookStatus: "pending",
        webhookRound: sql`${jobs.retries}`,
        webhookAttempts: 0,
        webhookLastStatusCode: null,
        webhookLastError: null,
        webhookLastAttemptAt: null,
      })
      .where(and(eq(jobs.id, jobId), unclaimed))
      .run().changes;
    return changed === 1 ? this.db.select().from(jobs).where(eq(jobs.id, jobId)).get() : undefined;
  }

  /** Undoes a claim whose enqueue failed, so the reconciler queues it later. */
  release(jobId: string, round: number): void {
    this.db
      .update(jobs)
      .set({ webhookStatus: null, webhookRound: null })
      .where(
        and(
          eq(jobs.id, jobId),
          eq(jobs.webhookRound, round),
          eq(jobs.webhookStatus, "pending"),
          eq(jobs.webhookAttempts, 0),
        ),
      )
      .run();
  }

  /** Records one attempt; a delivery of an older run (the job was retried since) changes nothing. */
  recordAttempt(jobId: string, round: number, attempt: AttemptRecord): void {
    this.db
      .update(jobs)
      .set({
        webhookStatus: attempt.status,
        webhookAttempts: attempt.attempts,
        webhookLastStatusCode: attempt.statusCode,
        webhookLastError: attempt.error,
        webhookLastAttemptAt: attempt.at,
      })
      .where(and(eq(jobs.id, jobId), eq(jobs.webhookRound, round), eq(jobs.retries, round)))
      .run();
  }

  /** Finished runs whose webhook was never queued (the enqueue failed, or the API stopped first). */
  unclaimedIds(): string[] {
    return this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(unclaimed)
      .all()
      .map((r) => r.id);
  }

  /** Deliveries of current runs SQLite believes are on their way; Redis may have lost some. */
  pending(): { id: string; round: number }[] {
    return this.db
      .select({ id: jobs.id, round: jobs.webhookRound })
      .from(jobs)
      .where(
        and(
          eq(jobs.webhookStatus, "pending"),
          eq(jobs.webhookRound, jobs.retries),
          inArray(jobs.status, [...TERMINAL_STATUSES]),
        ),
      )
      .all()
      .map((r) => ({ id: r.id, round: r.round ?? 0 }));
  }

  getRow(jobId: string): JobRow | undefined {
    return this.db.select().from(jobs).where(eq(jobs.id, jobId)).get();
  }
}

import { JOB_STATUSES } from "@converter/shared/jobs";
import { count } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { jobStatusCounts, webhookDeliveries } from "../store/schema.js";

/**
 * How many job records are in each status, for /metrics: the counts the
 * triggers keep (migration 0007), every status included, 0 when none, so
 * a scrape never finds a series gone.
 */
export function jobCountsByStatus(db: Db): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0]));
  for (const row of db.select().from(jobStatusCounts).all()) counts[row.status] = row.n;
  return counts;
}

/** How many webhook deliveries are pending, delivered or failed for good, for /metrics. */
export function webhookCountsByStatus(db: Db): Record<string, number> {
  const rows = db
    .select({ status: webhookDeliveries.status, n: count() })
    .from(webhookDeliveries)
    .groupBy(webhookDeliveries.status)
    .all();
  return Object.fromEntries(rows.filter((row) => row.status !== null).map((row) => [row.status as string, row.n]));
}

import { count } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { jobs, webhookDeliveries } from "../store/schema.js";

/** How many job records are in each status, for /metrics (the status index answers it). */
export function jobCountsByStatus(db: Db): Record<string, number> {
  const rows = db.select({ status: jobs.status, n: count() }).from(jobs).groupBy(jobs.status).all();
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
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

import type { Logger } from "@converter/shared";
import type { JobStore } from "../store/job-store.js";
import { type ConversionQueue, type JobQueue, jobDataFromRow } from "./conversion-queue.js";
import type { JobStateSync } from "./job-state-sync.js";

export type ReconcileReport = { checked: number; updated: Record<string, number>; reEnqueued: number };

/**
 * At API start, every job SQLite still thinks is live is compared with
 * BullMQ: transitions missed while the API was down are written, and a job
 * Redis no longer has (a flushed or restored Redis) is enqueued again rather
 * than left queued forever.
 */
export async function reconcileLiveJobs(deps: {
  store: JobStore;
  queue: ConversionQueue;
  jobQueue: JobQueue;
  sync: JobStateSync;
  log: Logger;
}): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, updated: {}, reEnqueued: 0 };
  for (const id of deps.store.liveIds()) {
    report.checked += 1;
    const job = await deps.queue.getJob(id);
    if (!job) {
      const row = deps.store.getRow(id);
      if (!row) continue;
      await deps.jobQueue.enqueue(jobDataFromRow(row), row.priority);
      deps.store.markQueued(id);
      report.reEnqueued += 1;
      deps.log.warn({ job_id: id }, "job missing from redis: enqueued again");
      continue;
    }
    const state = await deps.sync.syncFromBull(job);
    report.updated[state] = (report.updated[state] ?? 0) + 1;
  }
  return report;
}

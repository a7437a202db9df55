import { CANCELLED_BY_CLIENT, ResolvedOptions } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import type { ConversionQueue, JobQueue } from "../queue/conversion-queue.js";
import type { ConversionQueues } from "../queue/conversion-queues.js";
import { jobDataFromRow } from "../queue/job-data.js";
import type { JobStore } from "../store/job-store.js";
import type { JobStateSync } from "./job-state-sync.js";

export type ReconcileReport = {
  checked: number;
  /** Of those checked, queued here and found waiting there: nothing to write. */
  waiting: number;
  updated: Record<string, number>;
  reEnqueued: number;
  /** Webhooks queued that had not been (Redis was down when their job ended). */
  webhooksQueued?: number;
};

/**
 * A job younger than this may still be on its way into Redis (a submission
 * whose enqueue has not returned yet): it is not "missing", so it is never
 * enqueued a second time.
 */
export const MISSING_JOB_GRACE_MS = 30_000;

/**
 * Compares every job SQLite still thinks is live with BullMQ: transitions
 * the events consumer missed (the API was down, Redis dropped the
 * connection, the event stream was trimmed) are written, and a job Redis no
 * longer has (a flushed or restored Redis) is enqueued again rather than
 * left queued forever.
 */
export async function reconcileLiveJobs(deps: {
  store: JobStore;
  /** The queues of every route (ADR 0016): each job is looked for in its own. */
  queues: ConversionQueues;
  jobQueue: JobQueue;
  /** The sync of the queue that holds a job. */
  syncFor: (queue: ConversionQueue) => JobStateSync;
  log: Logger;
  now?: () => number;
  webhooks?: { enqueueMissing(): Promise<number> };
}): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, waiting: 0, updated: {}, reEnqueued: 0 };
  const now = deps.now?.() ?? Date.now();
  // Read before the records: a job submitted in between is simply not found waiting, and checked one by one.
  const waiting = await deps.queues.waitingIds();
  for (const { id, status } of deps.store.liveJobs()) {
    report.checked += 1;
    // What the check below would find for it, and leave as it is, without a look at its hash and state:
    // one id-only read per queue instead of a few round trips per waiting job (ADR 0037).
    if (status === "queued" && waiting.has(id)) {
      report.waiting += 1;
      continue;
    }
    const row = deps.store.getRow(id);
    if (!row) continue;
    const found = await deps.queues.locate(id, ResolvedOptions.parse(row.options));
    if (!found) {
      if (now - Date.parse(row.createdAt) < MISSING_JOB_GRACE_MS) continue;
      if (row.cancelRequestedAt) {
        // A cancel the API did not get to record (it stopped midway): finish it, never run the job again.
        deps.store.markFailed(id, CANCELLED_BY_CLIENT, new Date(now).toISOString(), undefined);
        report.updated.cancelled = (report.updated.cancelled ?? 0) + 1;
        continue;
      }
      await deps.jobQueue.enqueue(jobDataFromRow(row), row.priority);
      deps.store.markQueued(id);
      report.reEnqueued += 1;
      deps.log.warn({ job_id: id }, "job missing from redis: enqueued again");
      continue;
    }
    const state = await deps.syncFor(found.queue).syncFromBull(found.job);
    report.updated[state] = (report.updated[state] ?? 0) + 1;
  }
  // After the live jobs: those that turned out finished have just queued theirs.
  if (deps.webhooks) report.webhooksQueued = await deps.webhooks.enqueueMissing();
  return report;
}

/**
 * Runs reconcileLiveJobs at start, every `intervalMs`, and whenever Redis
 * comes back, one run at a time.
 */
export class Reconciler {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: () => Promise<ReconcileReport>,
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  /** Resolves when the run it started (or the one already running) has ended. */
  trigger(reason: string): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const report = await this.run();
        const changed =
          report.reEnqueued > 0 || Object.keys(report.updated).length > 0 || (report.webhooksQueued ?? 0) > 0;
        if (changed || reason === "start") this.log.info({ ...report, reason }, "reconciled live jobs with the queue");
      } catch (error) {
        this.log.warn({ err: (error as Error).message, reason }, "reconciliation failed; it runs again later");
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  start(): void {
    this.timer = setInterval(() => void this.trigger("interval"), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

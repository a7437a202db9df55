import { AppError } from "@converter/shared/errors";
import type { JobView } from "@converter/shared/jobs";
import { resolveOutputPath } from "@converter/shared/media-path";
import { SegmentPlan } from "@converter/shared/queue";
import { jobDataFromRow } from "../queue/job-data.js";
import type { JobStore } from "../store/job-store.js";
import { SegmentStore } from "../store/segment-store.js";
import { jobNotFoundError, outputBusyError, queueFullError, queueUnreachableError } from "./job-errors.js";
import type { JobServiceDeps } from "./service-deps.js";

/**
 * Queues a failed or cancelled job again: same id and options, a fresh run
 * whose attempts count on from the earlier ones.
 */
export class Retries {
  /** One retry of a job at a time: a second would find the BullMQ job already moved and the record about to be. */
  private readonly retrying = new Set<string>();

  constructor(
    private readonly deps: JobServiceDeps,
    private readonly store: JobStore,
    private readonly read: (jobId: string) => JobView,
  ) {}

  async retry(jobId: string): Promise<JobView> {
    if (this.retrying.has(jobId)) {
      throw new AppError("job_not_retryable", `a retry of job ${jobId} is already under way`);
    }
    this.retrying.add(jobId);
    try {
      return await this.retryOnce(jobId);
    } finally {
      this.retrying.delete(jobId);
    }
  }

  private async retryOnce(jobId: string): Promise<JobView> {
    const { store, deps } = this;
    const current = this.read(jobId);
    await this.checkRetryable(current);
    // Redis first, then the record: until the record says queued, a stray
    // event or reconciliation cannot undo it, and the events of the new run
    // (which only touch live records) are re-read from BullMQ by the record's
    // own transition below.
    const row = store.getRow(jobId);
    if (!row) throw jobNotFoundError(jobId);
    let outcome: "queued" | "active";
    try {
      outcome = await deps.queue.requeue(jobDataFromRow(row), current.priority);
    } catch (cause) {
      throw queueUnreachableError("the job was not queued again", cause);
    }
    if (outcome === "active") {
      throw new AppError("job_not_retryable", `job ${jobId} is still stopping on a worker; retry in a few seconds`);
    }
    const requeued = store.requeueForRetry(jobId);
    if (!requeued.ok) {
      if (requeued.reason === "output_busy") {
        // A submission took the output meanwhile: take the run back.
        await deps.queue.removeUnlessActive(jobId).catch(() => undefined);
        throw outputBusyError(requeued.conflictingJobId, current.output);
      }
      // A concurrent retry of the same job got there first.
      throw new AppError("job_not_retryable", `job ${jobId} is no longer failed or cancelled`);
    }
    // A segmented job runs again whole (ADR 0026): every child queued anew.
    if (row.segmentPlan) new SegmentStore(deps.db, store).reset(jobId, SegmentPlan.parse(row.segmentPlan));
    return this.read(jobId);
  }

  /** Only a failed or cancelled job whose output is still free, while the queue has room. */
  private async checkRetryable(current: JobView): Promise<void> {
    if (current.status !== "failed" && current.status !== "cancelled") {
      throw new AppError(
        "job_not_retryable",
        `job ${current.job_id} is ${current.status}; only failed or cancelled jobs can be retried`,
        { status: current.status },
      );
    }
    const output = await resolveOutputPath(this.deps.mediaRoot, current.output);
    if (!output.ok) throw output.error;
    if (output.value.exists && !current.overwrite) {
      throw new AppError(
        "output_exists",
        `${current.output} exists now; remove it or submit a new job with "overwrite": true`,
        { field: "output" },
      );
    }
    if (this.store.countQueued() >= this.deps.maxQueuedJobs) throw queueFullError(this.deps.maxQueuedJobs);
    const writer = this.store.liveJobWriting(current.output, current.job_id);
    if (writer) throw outputBusyError(writer, current.output);
  }
}

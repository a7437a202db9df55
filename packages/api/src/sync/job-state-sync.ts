import type { Logger } from "@converter/shared/logger";
import { ConvertJobReturn, decodeFailure, JobProgress, jobLogLines } from "@converter/shared/queue";
import type { Job } from "bullmq";
import type { ConversionQueue } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";
import type { SegmentEvents } from "./segment-events.js";

/**
 * Told of every terminal transition this layer records (the webhook
 * dispatcher); it must be safe to call more than once per run.
 */
export type JobEndListener = { jobFinished(jobId: string): Promise<void> };

const iso = (ms: number | undefined) => new Date(ms ?? Date.now()).toISOString();

/**
 * Writes what BullMQ knows about one job into SQLite. Used by the live event
 * consumer and by the start-up reconciliation, so both agree on what each
 * BullMQ state means for the job record.
 */
export class JobStateSync {
  constructor(
    private readonly queue: ConversionQueue,
    private readonly store: JobStore,
    private readonly log: Logger,
    /** Told of every terminal transition; absent where webhooks are not delivered (tests). */
    private readonly onJobEnd?: JobEndListener,
    /** Segmented jobs' children (ADR 0026); absent where no job is segmented (tests). */
    private readonly segments?: Pick<SegmentEvents, "parentFailure" | "parentEnded">,
  ) {}

  /** After a terminal transition was written: queue its webhook (never throws, never waits on a receiver). */
  async finished(jobId: string): Promise<void> {
    await this.onJobEnd?.jobFinished(jobId);
  }

  async logsOf(jobId: string): Promise<string[] | undefined> {
    try {
      return jobLogLines((await this.queue.getJobLogs(jobId, 0, -1, true)).logs);
    } catch (error) {
      this.log.warn({ err: error, job_id: jobId }, "could not read job logs from redis");
      return undefined;
    }
  }

  async refreshLogs(jobId: string): Promise<void> {
    const logs = await this.logsOf(jobId);
    if (logs) this.store.setLogs(jobId, logs);
  }

  markActive(job: Job): void {
    this.store.markActive(job.id as string, iso(job.processedOn), attemptOf(job));
  }

  progress(jobId: string, data: unknown): void {
    const parsed = JobProgress.safeParse(data);
    if (parsed.success) this.store.updateProgress(jobId, parsed.data);
    else this.log.warn({ job_id: jobId }, "ignoring progress payload of unknown shape");
  }

  async completed(jobId: string, returnValue: unknown, finishedOn: number | undefined): Promise<void> {
    const parsed = parseReturnValue(returnValue);
    const logs = await this.logsOf(jobId);
    if (parsed.success) {
      this.store.markCompleted(jobId, parsed.data, iso(finishedOn), logs);
    } else {
      this.log.error({ job_id: jobId }, "completed job returned a value of unknown shape");
      this.store.markFailed(
        jobId,
        { code: "worker_error", message: "the worker returned no result" },
        iso(finishedOn),
        logs,
      );
    }
    await this.finished(jobId);
  }

  async failed(jobId: string, failedReason: string | undefined, finishedOn: number | undefined): Promise<void> {
    const logs = await this.logsOf(jobId);
    // A segmented job failed by a child shows the child's failure, and its unfinished children end with it:
    // here, so the live events and the start-up reconciliation record it alike.
    const failure = this.segments ? await this.segments.parentFailure(failedReason) : decodeFailure(failedReason);
    this.store.markFailed(jobId, failure, iso(finishedOn), logs);
    this.segments?.parentEnded(jobId);
    await this.finished(jobId);
  }

  /** Brings one job's row in line with BullMQ's current state of it. */
  async syncFromBull(fetched: Job): Promise<string> {
    const state = await fetched.getState();
    const id = fetched.id as string;
    // The job may have finished between the fetch and the state read: read it
    // again so its return value or failure reason is the final one.
    const job = state === "completed" || state === "failed" ? ((await this.queue.getJob(id)) ?? fetched) : fetched;
    switch (state) {
      case "completed":
        await this.completed(id, job.returnvalue, job.finishedOn);
        break;
      case "failed":
        await this.failed(id, job.failedReason, job.finishedOn);
        break;
      case "active":
        this.markActive(job);
        if (job.progress && typeof job.progress === "object") this.progress(id, job.progress);
        await this.refreshLogs(id);
        break;
      case "waiting-children":
        // A segmented job whose children run (ADR 0026): their own events say how far it is.
        break;
      default:
        this.store.markQueued(id);
    }
    return state;
  }
}

/** Which run of the job this is, counting from 1: BullMQ counts starts, older jobs only finished attempts. */
export const attemptOf = (job: Job) => job.attemptsStarted || job.attemptsMade + 1;

/** A worker's return value (a JSON string in BullMQ's events) read through the shared schema. */
export function parseReturnValue(returnValue: unknown) {
  return ConvertJobReturn.safeParse(typeof returnValue === "string" ? safeJson(returnValue) : returnValue);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

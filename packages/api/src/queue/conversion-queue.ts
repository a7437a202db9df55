import { type ConvertJobData, type ConvertJobReturn, FAILED_JOB_RETENTION_SECONDS } from "@converter/shared/queue";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export type ConversionQueue = Queue<ConvertJobData, ConvertJobReturn>;

/** Where a job stands in BullMQ, as far as cancel and retry care. */
export type RemoveOutcome = "removed" | "active" | "finished" | "missing";

/** What the job service needs of the queue; a fake implements it in unit tests. */
export interface JobQueue {
  enqueue(data: ConvertJobData, priority: number): Promise<void>;
  /** Leaves the durable cancel marker and tells every worker; throws when Redis is unreachable. */
  requestCancel(jobId: string): Promise<void>;
  /**
   * Removes a job that waits (queued, prioritized, delayed for a retry) from
   * BullMQ. One a worker holds is "active"; one that already completed or
   * failed is left for the events consumer to record ("finished").
   */
  removeUnlessActive(jobId: string): Promise<RemoveOutcome>;
  /**
   * Queues a finished job again under its id (BullMQ's retry of a failed
   * job, or a new add when BullMQ no longer has it), removing its cancel
   * marker first; "active", with the marker left alone, when a worker still
   * holds it.
   */
  requeue(data: ConvertJobData, priority: number): Promise<"queued" | "active">;
}

/** Retention of completed jobs in BullMQ; SQLite keeps the job record for good. */
const KEEP_COMPLETED_SECONDS = 7 * 24 * 3600;

/**
 * The API's queue handle. Its connection must not buffer commands while Redis
 * is down (enableOfflineQueue: false), so a submission fails fast with 503
 * instead of hanging and then enqueuing behind the client's back.
 */
export function createConversionQueue(connection: Redis, name: string): ConversionQueue {
  return new Queue<ConvertJobData, ConvertJobReturn>(name, { connection, defaultJobOptions: JOB_OPTIONS });
}

/** Every conversion job's options, a segmented job's children included (a flow does not take the queue's defaults). */
export const JOB_OPTIONS = {
  // Transient failures (a worker lost its Redis link, a disk hiccup) retry;
  // permanent ones (bad media) throw UnrecoverableError in the worker.
  attempts: 3,
  backoff: { type: "exponential", delay: 5000 },
  removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
  removeOnFail: { age: FAILED_JOB_RETENTION_SECONDS },
} as const;

/** API priority 1–10 (10 most urgent) → BullMQ priority (1 most urgent). */
export function toBullPriority(priority: number): number {
  return 11 - priority;
}

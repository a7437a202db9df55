import { type ConvertJobData, type ConvertJobReturn, type JobStatus, ResolvedOptions } from "@converter/shared";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { JobRow } from "../store/schema.js";
import { withTimeout } from "../with-timeout.js";

export type ConversionQueue = Queue<ConvertJobData, ConvertJobReturn>;

/** What the job service needs of the queue; a fake implements it in unit tests. */
export interface JobQueue {
  enqueue(data: ConvertJobData, priority: number): Promise<void>;
}

/** Retention in BullMQ; SQLite keeps the job record for good. */
const KEEP_COMPLETED_SECONDS = 7 * 24 * 3600;
const KEEP_FAILED_SECONDS = 30 * 24 * 3600;
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * The API's queue handle. Its connection must not buffer commands while Redis
 * is down (enableOfflineQueue: false), so a submission fails fast with 503
 * instead of hanging and then enqueuing behind the client's back.
 */
export function createConversionQueue(connection: Redis, name: string): ConversionQueue {
  return new Queue<ConvertJobData, ConvertJobReturn>(name, {
    connection,
    defaultJobOptions: {
      // Transient failures (a worker lost its Redis link, a disk hiccup) retry;
      // permanent ones (bad media) throw UnrecoverableError in the worker.
      attempts: 3,
      backoff: { type: "exponential", delay: 5000 },
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    },
  });
}

/** API priority 1–10 (10 most urgent) → BullMQ priority (1 most urgent). */
export function toBullPriority(priority: number): number {
  return 11 - priority;
}

export function bullJobQueue(queue: ConversionQueue, connection: Redis): JobQueue {
  return {
    async enqueue(data, priority) {
      // BullMQ waits for a connection that is down instead of failing; a job
      // added "later" would run although its client was told 503. Refuse now.
      if (connection.status !== "ready") throw new Error(`redis connection is ${connection.status}`);
      const adding = queue.add("convert", data, { jobId: data.job_id, priority: toBullPriority(priority) });
      try {
        await withTimeout(adding, ENQUEUE_TIMEOUT_MS, "enqueue");
      } catch (error) {
        // The add may still land after the client got its 503: take it back if it does.
        adding.then(() => queue.remove(data.job_id)).catch(() => undefined);
        throw error;
      }
    },
  };
}

/** The queue payload of a stored job, for re-enqueueing one Redis lost. */
export function jobDataFromRow(row: JobRow): ConvertJobData {
  return {
    job_id: row.id,
    input: row.input,
    output: row.output,
    preset: row.preset,
    options: ResolvedOptions.parse(row.options),
    overwrite: row.overwrite,
    request_id: row.requestId,
  };
}

export const LIVE_BULL_STATES = ["waiting", "prioritized", "delayed", "waiting-children", "active"] as const;
export function statusOfBullState(state: string): JobStatus | undefined {
  if (state === "active") return "in_progress";
  if (state === "completed") return "completed";
  if (state === "failed") return "failed";
  if ((LIVE_BULL_STATES as readonly string[]).includes(state)) return "queued";
  return undefined;
}

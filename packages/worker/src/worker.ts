import {
  type ConvertJobData,
  type ConvertJobReturn,
  type HardwareMode,
  type JobLimits,
  type Logger,
  throttledWarning,
  workerHeartbeatKey,
} from "@converter/shared";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { watchCancelRequests } from "./cancel-watcher.js";
import { createConvertProcessor, STOP_REASONS } from "./processors/convert-processor.js";

export type ConversionWorkerDeps = {
  connection: Redis;
  queueName: string;
  workerName: string;
  mediaRoot: string;
  concurrency: number;
  hardware: HardwareMode;
  ffmpegPath: string;
  ffprobePath: string;
  encoders: Record<string, boolean>;
  maxStalledCount: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  stallTimeoutMs: number;
  /** How long close() lets running jobs finish before it hands them back to the queue. */
  shutdownGraceMs: number;
  log: Logger;
  limits?: JobLimits;
  heartbeatIntervalMs?: number;
  cancelPollIntervalMs?: number;
};

export type ConversionWorker = {
  worker: Worker<ConvertJobData, ConvertJobReturn>;
  /**
   * Stops taking jobs, lets running ones finish for the grace period, then
   * stops their ffmpeg and hands them back to the queue (no attempt spent).
   */
  close(): Promise<void>;
};

/**
 * The BullMQ worker plus its heartbeat: every few seconds it writes its
 * measured encoders under a key with a TTL, so the API's /health lists live
 * workers and what each can really do.
 */
export function createConversionWorker(deps: ConversionWorkerDeps): ConversionWorker {
  const running = new Set<string>();
  const cancels = watchCancelRequests({
    subscriber: deps.connection.duplicate(),
    connection: deps.connection,
    queueName: deps.queueName,
    running,
    // Only called for a job in `running`, so after the worker below exists.
    cancel: (jobId) => worker.cancelJob(jobId, STOP_REASONS.cancelled),
    log: deps.log,
    ...(deps.cancelPollIntervalMs ? { pollIntervalMs: deps.cancelPollIntervalMs } : {}),
  });
  const convert = createConvertProcessor({
    workerName: deps.workerName,
    mediaRoot: deps.mediaRoot,
    ffmpegPath: deps.ffmpegPath,
    ffprobePath: deps.ffprobePath,
    hardware: deps.hardware,
    encoders: deps.encoders,
    log: deps.log,
    stallTimeoutMs: deps.stallTimeoutMs,
    isCancelRequested: (jobId) => cancels.isCancelRequested(jobId),
    limits: deps.limits,
  });
  const processor: typeof convert = async (job, token, signal) => {
    const id = job.id as string;
    running.add(id);
    try {
      return await convert(job, token, signal);
    } finally {
      running.delete(id);
    }
  };
  const worker = new Worker<ConvertJobData, ConvertJobReturn>(deps.queueName, processor, {
    connection: deps.connection,
    concurrency: deps.concurrency,
    name: deps.workerName,
    maxStalledCount: deps.maxStalledCount,
    lockDuration: deps.lockDurationMs,
    stalledInterval: deps.stalledIntervalMs,
  });
  // A worker that could not renew a job's lock (paused, cut off from Redis)
  // must stop its ffmpeg: BullMQ will hand the job to another worker.
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const id of jobIds) {
      deps.log.warn({ job_id: id }, "lost the job's lock: stopping its ffmpeg");
      worker.cancelJob(id, STOP_REASONS.lostLock);
    }
  });
  // Connection errors repeat on every reconnect attempt while Redis is down.
  worker.on("error", throttledWarning(deps.log, "worker error (retrying)"));
  worker.on("failed", (job, error) => {
    deps.log.warn({ job_id: job?.id, reason: error.message, attempts: job?.attemptsMade }, "job failed");
  });

  const heartbeatMs = deps.heartbeatIntervalMs ?? 10_000;
  const key = workerHeartbeatKey(deps.queueName, deps.workerName);
  const startedAt = new Date().toISOString();

  const beat = async () => {
    const info = {
      name: deps.workerName,
      hardware: deps.hardware,
      concurrency: deps.concurrency,
      encoders: deps.encoders,
      active_jobs: running.size,
      started_at: startedAt,
    };
    await deps.connection.set(key, JSON.stringify(info), "PX", heartbeatMs * 3).catch((error: Error) => {
      deps.log.warn({ err: error.message }, "heartbeat failed");
    });
  };
  void beat();
  const timer = setInterval(() => void beat(), heartbeatMs);
  timer.unref();

  return {
    worker,
    async close() {
      clearInterval(timer);
      // close() stops taking jobs at once and resolves when the running ones have ended.
      const closing = worker.close();
      if (running.size > 0) {
        deps.log.info(
          { jobs: [...running], grace_ms: deps.shutdownGraceMs },
          "waiting for running jobs before handing them back",
        );
      }
      // Past the grace period: stop ffmpeg and put the jobs back in the queue (no attempt spent).
      const handBack = setTimeout(() => worker.cancelAllJobs(STOP_REASONS.shutdown), deps.shutdownGraceMs);
      try {
        await closing;
      } finally {
        clearTimeout(handBack);
      }
      await cancels.close();
      await deps.connection.del(key).catch(() => undefined);
    },
  };
}

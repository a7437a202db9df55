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
  log: Logger;
  limits?: JobLimits;
  heartbeatIntervalMs?: number;
};

export type ConversionWorker = {
  worker: Worker<ConvertJobData, ConvertJobReturn>;
  /** Stops taking jobs, stops running ffmpeg processes (their jobs retry elsewhere), and disconnects. */
  close(): Promise<void>;
};

/**
 * The BullMQ worker plus its heartbeat: every few seconds it writes its
 * measured encoders under a key with a TTL, so the API's /health lists live
 * workers and what each can really do.
 */
export function createConversionWorker(deps: ConversionWorkerDeps): ConversionWorker {
  const processor = createConvertProcessor({
    workerName: deps.workerName,
    mediaRoot: deps.mediaRoot,
    ffmpegPath: deps.ffmpegPath,
    ffprobePath: deps.ffprobePath,
    hardware: deps.hardware,
    encoders: deps.encoders,
    log: deps.log,
    limits: deps.limits,
  });
  const worker = new Worker<ConvertJobData, ConvertJobReturn>(deps.queueName, processor, {
    connection: deps.connection,
    concurrency: deps.concurrency,
    name: deps.workerName,
    maxStalledCount: deps.maxStalledCount,
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
  let activeJobs = 0;
  worker.on("active", () => {
    activeJobs += 1;
  });
  const finished = () => {
    activeJobs = Math.max(0, activeJobs - 1);
  };
  worker.on("completed", finished);
  worker.on("failed", finished);

  const beat = async () => {
    const info = {
      name: deps.workerName,
      hardware: deps.hardware,
      concurrency: deps.concurrency,
      encoders: deps.encoders,
      active_jobs: activeJobs,
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
      // Stop running ffmpeg processes and put their jobs back in the queue (no attempt spent).
      worker.cancelAllJobs(STOP_REASONS.shutdown);
      await worker.close();
      await deps.connection.del(key).catch(() => undefined);
    },
  };
}

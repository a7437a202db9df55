import type { JobLimits } from "@converter/shared/config/worker";
import { CANCELLED_BY_CLIENT, type HardwareMode } from "@converter/shared/jobs";
import { type Logger, throttledWarning } from "@converter/shared/logger";
import type { ConvertJobData, ConvertJobReturn, WorkerHeartbeat } from "@converter/shared/queue";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { watchCancelRequests } from "./cancel-watcher.js";
import { startHeartbeat } from "./heartbeat.js";
import { createConvertProcessor } from "./lifecycle/convert-processor.js";
import { failureOf } from "./lifecycle/job-failure.js";
import type { StopReason } from "./lifecycle/stop-reason.js";

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
 * The BullMQ worker with what surrounds each job: the cancel watcher, the
 * heartbeat (its measured encoders under a key with a TTL, so the API's
 * /health lists live workers and what each can really do), and a close
 * that lets running jobs finish for the grace period.
 */
export function createConversionWorker(deps: ConversionWorkerDeps): ConversionWorker {
  const running = new Set<string>();
  const cancels = watchCancelRequests({
    subscriber: deps.connection.duplicate(),
    connection: deps.connection,
    queueName: deps.queueName,
    running,
    // Only called for a job in `running`, so after the worker below exists.
    cancel: (jobId) => worker.cancelJob(jobId, "cancelled" satisfies StopReason),
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
  const worker = new Worker<ConvertJobData, ConvertJobReturn>(
    deps.queueName,
    async (job, token, signal) => {
      const id = job.id as string;
      running.add(id);
      try {
        return await convert(job, token, signal);
      } finally {
        running.delete(id);
      }
    },
    {
      connection: deps.connection,
      concurrency: deps.concurrency,
      name: deps.workerName,
      maxStalledCount: deps.maxStalledCount,
      lockDuration: deps.lockDurationMs,
      stalledInterval: deps.stalledIntervalMs,
    },
  );
  watchWorkerEvents(worker, deps.log);
  const heartbeat = startHeartbeat({
    connection: deps.connection,
    queueName: deps.queueName,
    workerName: deps.workerName,
    intervalMs: deps.heartbeatIntervalMs ?? 10_000,
    log: deps.log,
    describe: describeWorker(deps, running),
  });
  return {
    worker,
    async close() {
      await closeWithGrace(worker, running, deps);
      // Both talk to Redis, which may be gone: neither may hold the stop (the heartbeat key expires by itself).
      await Promise.all([atMost(cancels.close(), CLOSE_STEP_MS), atMost(heartbeat.stop(), CLOSE_STEP_MS)]);
    },
  };
}

/** What the heartbeat says of this worker, read at every beat. */
function describeWorker(deps: ConversionWorkerDeps, running: ReadonlySet<string>): () => WorkerHeartbeat {
  const startedAt = new Date().toISOString();
  return () => ({
    name: deps.workerName,
    hardware: deps.hardware,
    concurrency: deps.concurrency,
    encoders: deps.encoders,
    active_jobs: running.size,
    started_at: startedAt,
  });
}

function watchWorkerEvents(worker: Worker, log: Logger): void {
  // A worker that could not renew a job's lock (paused, cut off from Redis)
  // must stop its ffmpeg: BullMQ will hand the job to another worker.
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const id of jobIds) {
      log.warn({ job_id: id }, "lost the job's lock: stopping its ffmpeg");
      worker.cancelJob(id, "lost_lock" satisfies StopReason);
    }
  });
  // Connection errors repeat on every reconnect attempt while Redis is down.
  worker.on("error", throttledWarning(log, "worker error (retrying)"));
  worker.on("failed", (job, error) => {
    const failure = failureOf(error);
    const requestId: unknown = job?.data?.request_id;
    const fields = {
      job_id: job?.id,
      request_id: typeof requestId === "string" ? requestId : undefined,
      code: failure?.code,
      reason: failure?.message ?? error.message,
      attempts: job?.attemptsMade,
    };
    // A client's cancel is the job ending as asked, not a fault to look into.
    if (failure?.code === CANCELLED_BY_CLIENT.code) log.info(fields, "job cancelled");
    else log.warn(fields, "job failed");
  });
}

/**
 * Stops taking jobs at once, lets the running ones finish for the grace
 * period, then stops their ffmpeg and puts them back in the queue (no
 * attempt spent).
 */
async function closeWithGrace(
  worker: Worker,
  running: ReadonlySet<string>,
  deps: Pick<ConversionWorkerDeps, "log" | "shutdownGraceMs">,
): Promise<void> {
  const closing = worker.close();
  if (running.size > 0) {
    deps.log.info(
      { jobs: [...running], grace_ms: deps.shutdownGraceMs },
      "waiting for running jobs before handing them back",
    );
  }
  const handBack = setTimeout(() => worker.cancelAllJobs("shutdown" satisfies StopReason), deps.shutdownGraceMs);
  try {
    // BullMQ's close waits on Redis for good when Redis is gone: past the
    // grace, ffmpeg's own stop (SIGTERM, SIGKILL 5 s later) and a last step,
    // the stop goes on without it (a job not handed back is taken over once
    // its lock expires).
    await atMost(closing, deps.shutdownGraceMs + HAND_BACK_MS);
  } finally {
    clearTimeout(handBack);
  }
}

/** After the grace: ffmpeg's 5 s between SIGTERM and SIGKILL, and a moment to hand the job back. */
const HAND_BACK_MS = 7000;

/** What one closing step that needs Redis gets before the stop moves on without it. */
const CLOSE_STEP_MS = 2000;

/** Waits for `promise` at most `ms`, never rejecting: a close that cannot finish is left behind. */
function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

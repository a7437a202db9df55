import type { JobLimits } from "@converter/shared/config/worker";
import { CANCELLED_BY_CLIENT, type HardwareMode } from "@converter/shared/jobs";
import { type Logger, throttledWarning } from "@converter/shared/logger";
import type { MediaProber } from "@converter/shared/probe";
import type { ConvertJobData, ConvertJobReturn, JobRoute, WorkerCounters, WorkerGpu } from "@converter/shared/queue";
import type { Redis } from "ioredis";
import { watchCancelRequests } from "./cancel-watcher.js";
import { NvencSessions } from "./capabilities/nvenc-sessions.js";
import type { ProcessStarter } from "./ffmpeg/process-starter.js";
import { startHeartbeat } from "./heartbeat.js";
import { createConvertProcessor } from "./lifecycle/convert-processor.js";
import { failureOf } from "./lifecycle/job-failure.js";
import type { StopReason } from "./lifecycle/stop-reason.js";
import type { GatedWorker } from "./routing/gated-worker.js";
import { createRouteConsumers } from "./routing/route-consumers.js";
import { servedRoutes } from "./routing/served-routes.js";
import { createChildProcessor, isSegmentChild } from "./segments/child-processor.js";
import { createJoinProcessor, isJoin } from "./segments/join-processor.js";
import { describeWorker } from "./worker-description.js";

export type ConversionWorkerDeps = {
  connection: Redis;
  queueName: string;
  workerName: string;
  mediaRoot: string;
  concurrency: number;
  hardware: HardwareMode;
  ffmpegPath: string;
  ffprobePath: string;
  /** The ffmpeg spawner (ADR 0040); Node's spawn when absent. */
  startFfmpeg?: ProcessStarter;
  /** The probe server's pool (ADR 0033); ffprobe per file when absent. */
  probe?: MediaProber;
  encoders: Record<string, boolean>;
  /** `<codec>_nvdec` → proven at start (ADR 0017). */
  decoders?: Record<string, boolean>;
  /** NVDEC in front of a CPU encoder: measured faster at start, or forced by GPU_DECODE=on. */
  gpuDecodeWithCpuEncode?: boolean;
  gpu?: WorkerGpu | null;
  /** NVENC_MAX_SESSIONS; 0 or absent: no cap until the driver refuses a session. */
  nvencMaxSessions?: number;
  version?: string;
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
  /** How often a worker without NVENC re-reads whether a GPU worker is idle (ADR 0016). */
  preferenceIntervalMs?: number;
};

export type ConversionWorker = {
  /** One BullMQ worker per route this worker consumes (ADR 0016). */
  workers: GatedWorker<ConvertJobData, ConvertJobReturn>[];
  routes: JobRoute[];
  waitUntilReady(): Promise<void>;
  /**
   * Stops taking jobs, lets running ones finish for the grace period, then
   * stops their ffmpeg and hands them back to the queue (no attempt spent).
   */
  close(): Promise<void>;
};

/**
 * The BullMQ workers of every route this worker proved it can serve, sharing
 * MAX_CONCURRENT_JOBS, with what surrounds each job: the cancel watcher, the
 * heartbeat (its measured capabilities under a key with a TTL, so the API
 * lists live workers and what each can really do, and routes waiting jobs
 * by it), and a close that lets running jobs finish for the grace period.
 */
export function createConversionWorker(deps: ConversionWorkerDeps): ConversionWorker {
  // The jobs running here: BullMQ job id → the job a cancel names: itself, or a segmented job's parent
  // for its children (ADR 0026).
  const owners = new Map<string, string>();
  const counters = zeroCounters();
  const nvenc = new NvencSessions(deps.nvencMaxSessions ?? 0);
  const routes = servedRoutes(deps.hardware, deps.encoders);
  const cancels = watchCancelRequests({
    subscriber: deps.connection.duplicate(),
    connection: deps.connection,
    queueName: deps.queueName,
    running: { has: (jobId) => [...owners.values()].includes(jobId), ids: () => [...new Set(owners.values())] },
    // Only the worker holding the job stops it; for the others this is a no-op.
    cancel: (jobId) => {
      for (const [id, owner] of owners) {
        if (owner !== jobId) continue;
        for (const worker of consumers.workers) worker.cancelJob(id, "cancelled" satisfies StopReason);
      }
    },
    log: deps.log,
    ...(deps.cancelPollIntervalMs ? { pollIntervalMs: deps.cancelPollIntervalMs } : {}),
  });
  const convert = createConvertProcessor({
    ...deps,
    nvenc,
    counters,
    isCancelRequested: (jobId) => cancels.isCancelRequested(jobId),
  });
  const join = createJoinProcessor({
    ...deps,
    counters,
    isCancelRequested: (jobId) => cancels.isCancelRequested(jobId),
  });
  const child = createChildProcessor(deps, convert);
  const heartbeat = startHeartbeat({
    connection: deps.connection,
    queueName: deps.queueName,
    workerName: deps.workerName,
    intervalMs: deps.heartbeatIntervalMs ?? 10_000,
    log: deps.log,
    describe: describeWorker({ ...deps, routes, running: owners, nvenc, counters }),
  });
  const consumers = createRouteConsumers(deps, routes, nvenc, async (job, token, signal) => {
    const id = job.id as string;
    owners.set(id, typeof job.data?.job_id === "string" ? job.data.job_id : id);
    counters.jobs_started += 1;
    // The fleet sees this worker's slot taken at once, not at the next beat.
    heartbeat.beatNow();
    try {
      const processor = isJoin(job) ? join : isSegmentChild(job) ? child : convert;
      return await processor(job, token, signal);
    } finally {
      owners.delete(id);
      heartbeat.beatNow();
    }
  });
  const { workers } = consumers;
  for (const worker of workers) watchWorkerEvents(worker, deps.log, counters);
  const started = consumers.start();
  if (routes.length === 0) deps.log.error("this worker serves no job route: it takes no jobs");
  return {
    workers,
    routes,
    async waitUntilReady() {
      await started;
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    async close() {
      await closeWithGrace(workers, owners, deps);
      // These talk to Redis, which may be gone: none may hold the stop (the heartbeat key expires by itself).
      await Promise.all([
        atMost(consumers.stop(), CLOSE_STEP_MS),
        atMost(cancels.close(), CLOSE_STEP_MS),
        atMost(heartbeat.stop(), CLOSE_STEP_MS),
      ]);
    },
  };
}

function zeroCounters(): WorkerCounters {
  return {
    jobs_started: 0,
    jobs_completed: 0,
    jobs_failed: 0,
    gpu_decode_fallbacks: 0,
    nvenc_session_refusals: 0,
    ffmpeg_seconds: 0,
  };
}

function watchWorkerEvents(
  worker: GatedWorker<ConvertJobData, ConvertJobReturn>,
  log: Logger,
  counters: WorkerCounters,
): void {
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
  worker.on("completed", () => {
    counters.jobs_completed += 1;
  });
  worker.on("failed", (job, error) => {
    counters.jobs_failed += 1;
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
  workers: GatedWorker<ConvertJobData, ConvertJobReturn>[],
  running: ReadonlyMap<string, string>,
  deps: Pick<ConversionWorkerDeps, "log" | "shutdownGraceMs">,
): Promise<void> {
  const closing = Promise.all(workers.map((worker) => worker.close()));
  if (running.size > 0) {
    deps.log.info(
      { jobs: [...running.keys()], grace_ms: deps.shutdownGraceMs },
      "waiting for running jobs before handing them back",
    );
  }
  const handBack = setTimeout(() => {
    for (const worker of workers) worker.cancelAllJobs("shutdown" satisfies StopReason);
  }, deps.shutdownGraceMs);
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

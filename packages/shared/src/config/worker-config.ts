import { hostname } from "node:os";
import { z } from "zod";
import { HARDWARE_MODES, type HardwareMode, intVar, type LOG_LEVELS, parseEnv, SHARED_ENV } from "./env.js";

const WorkerEnv = z.object({
  ...SHARED_ENV,
  MAX_CONCURRENT_JOBS: intVar(1, 64).default(1),
  HARDWARE: z.enum(HARDWARE_MODES).default("auto"),
  WORKER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '-' or '_'")
    .optional(),
  FFPROBE_PATH: z.string().default("ffprobe"),
  STALLED_JOB_RETRIES: intVar(0, 100).default(2),
  JOB_LOCK_SECONDS: intVar(2, 3600).default(20),
  STALLED_CHECK_SECONDS: intVar(1, 3600).default(10),
  STALL_TIMEOUT_SECONDS: intVar(5, 86_400).default(120),
  SHUTDOWN_GRACE_SECONDS: intVar(0, 86_400).default(30),
});

export type WorkerConfig = {
  redisUrl: string;
  queueName: string;
  mediaRoot: string;
  concurrency: number;
  hardware: HardwareMode;
  workerName: string;
  ffmpegPath: string;
  ffprobePath: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** How often BullMQ may hand a stalled job (its worker died) to another worker. */
  maxStalledCount: number;
  /**
   * BullMQ's lock on a running job (renewed every half of it) and how often
   * workers look for jobs whose lock expired: a worker killed mid-job has its
   * job taken over within about their sum.
   */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** ffmpeg that reports no progress for this long is killed and its job retried. */
  stallTimeoutMs: number;
  /** On SIGTERM, how long running jobs may finish before they are handed back to the queue. */
  shutdownGraceMs: number;
};

export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const e = parseEnv(WorkerEnv, env);
  return {
    redisUrl: e.REDIS_URL,
    queueName: e.QUEUE_NAME,
    mediaRoot: e.MEDIA_ROOT,
    concurrency: e.MAX_CONCURRENT_JOBS,
    hardware: e.HARDWARE,
    workerName: e.WORKER_NAME ?? `${hostname()}-${process.pid}`,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    logLevel: e.LOG_LEVEL,
    maxStalledCount: e.STALLED_JOB_RETRIES,
    lockDurationMs: e.JOB_LOCK_SECONDS * 1000,
    stalledIntervalMs: e.STALLED_CHECK_SECONDS * 1000,
    stallTimeoutMs: e.STALL_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}

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
  };
}

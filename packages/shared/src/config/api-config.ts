import { z } from "zod";
import { intVar, type LOG_LEVELS, maxInputBytesVar, parseEnv, SHARED_ENV } from "./env.js";

const ApiEnv = z.object({
  PORT: intVar(0, 65535).default(8000),
  HOST: z.string().trim().default("127.0.0.1"),
  ...SHARED_ENV,
  DATABASE_PATH: z.string().default("./data/jobs.db"),
  API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  MAX_QUEUED_JOBS: intVar(1, 10_000_000).default(1000),
  MAX_BODY_BYTES: intVar(1024, 16 * 1024 * 1024).default(64 * 1024),
  MAX_INPUT_BYTES: maxInputBytesVar,
});

export type ApiConfig = {
  port: number;
  host: string;
  redisUrl: string;
  queueName: string;
  mediaRoot: string;
  databasePath: string;
  apiKey: string | undefined;
  maxQueuedJobs: number;
  maxBodyBytes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  ffmpegPath: string;
  /** Inputs larger than this are refused at submit (input_too_large). */
  maxInputBytes: number;
};

export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  const e = parseEnv(ApiEnv, env);
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    queueName: e.QUEUE_NAME,
    mediaRoot: e.MEDIA_ROOT,
    databasePath: e.DATABASE_PATH,
    apiKey: e.API_KEY,
    maxQueuedJobs: e.MAX_QUEUED_JOBS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    logLevel: e.LOG_LEVEL,
    ffmpegPath: e.FFMPEG_PATH,
    maxInputBytes: e.MAX_INPUT_BYTES,
  };
}

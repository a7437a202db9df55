import { z } from "zod";
import { DEFAULT_QUEUE_NAME } from "../queue-names.js";
import { intVar, LOG_LEVELS, parseEnv, redisUrlVar } from "./env.js";

const ApiEnv = z.object({
  PORT: intVar(0, 65535).default(8000),
  HOST: z.string().trim().default("127.0.0.1"),
  REDIS_URL: redisUrlVar.default("redis://127.0.0.1:6379"),
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'")
    .default(DEFAULT_QUEUE_NAME),
  MEDIA_ROOT: z.string().default("./media"),
  DATABASE_PATH: z.string().default("./data/jobs.db"),
  API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  MAX_QUEUED_JOBS: intVar(1, 10_000_000).default(1000),
  MAX_BODY_BYTES: intVar(1024, 16 * 1024 * 1024).default(64 * 1024),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  FFMPEG_PATH: z.string().default("ffmpeg"),
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
  };
}

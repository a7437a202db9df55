import { z } from "zod";
import { boolVar, intVar, type LOG_LEVELS, parseEnv, SHARED_ENV } from "./env.js";

export { ConfigError, loadConfigOrExit } from "./env.js";

const ApiEnv = z.object({
  PORT: intVar(0, 65535).default(8000),
  HOST: z.string().trim().default("127.0.0.1"),
  ...SHARED_ENV,
  DATABASE_PATH: z.string().default("./data/jobs.db"),
  API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  MAX_QUEUED_JOBS: intVar(1, 10_000_000).default(1000),
  MAX_BODY_BYTES: intVar(1024, 16 * 1024 * 1024).default(64 * 1024),
  WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  WEBHOOK_ALLOW_PRIVATE: boolVar.default(false),
  WEBHOOK_TIMEOUT_SECONDS: intVar(1, 300).default(10),
  // The issue asks for at least 5 delivery attempts.
  WEBHOOK_MAX_ATTEMPTS: intVar(5, 50).default(8),
  WEBHOOK_BACKOFF_SECONDS: intVar(0, 3600).default(10),
  CANCEL_WAIT_SECONDS: intVar(0, 300).default(10),
  RECONCILE_INTERVAL_SECONDS: intVar(1, 3600).default(60),
  ALLOWED_HOSTS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine(
      (names) =>
        names.every(
          (name) => name === "*" || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name),
        ),
      "must be host names separated by commas (no ports, no schemes), or *",
    )
    .transform((names): string[] | "*" => (names.includes("*") ? "*" : names))
    .optional(),
  METRICS_PUBLIC: boolVar.default(false),
  SSE_HEARTBEAT_SECONDS: intVar(1, 3600).default(15),
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
  /** Signs webhook deliveries; without it a `webhook_url` is refused. */
  webhookSecret: string | undefined;
  /** Lets webhooks reach loopback, private and link-local addresses (tests, closed networks). */
  webhookAllowPrivate: boolean;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  /** First retry delay of a webhook delivery; each later one doubles it. */
  webhookBackoffMs: number;
  /** How long DELETE /jobs/{id} waits for the worker running the job to confirm it stopped. */
  cancelWaitMs: number;
  /**
   * How often live jobs are compared with BullMQ besides at start and on
   * every Redis reconnect: the pass that re-enqueues a job Redis lost (a
   * Redis that came back empty) once it is past its grace period.
   */
  reconcileIntervalMs: number;
  /** Inputs larger than this are refused at submit (input_too_large). */
  maxInputBytes: number;
  /**
   * Host names the API answers to besides loopback names, IP addresses and
   * HOST, while API_KEY is unset ("*": any); an Origin with one of these
   * names may change things too (docs/adr/0019-origin-and-host-policy.md).
   */
  allowedHosts: string[] | "*";
  /** GET /metrics without the API key (a scraper on a private network). */
  metricsPublic: boolean;
  /** How often an idle event stream gets a comment line, so proxies keep it open. */
  sseHeartbeatMs: number;
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
    webhookSecret: e.WEBHOOK_SECRET,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    webhookBackoffMs: e.WEBHOOK_BACKOFF_SECONDS * 1000,
    cancelWaitMs: e.CANCEL_WAIT_SECONDS * 1000,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000,
    maxInputBytes: e.MAX_INPUT_BYTES,
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    metricsPublic: e.METRICS_PUBLIC,
    sseHeartbeatMs: e.SSE_HEARTBEAT_SECONDS * 1000,
  };
}

import { z } from "zod";
import { MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS } from "../jobs/segments.js";
import { boolVar, ConfigError, DEFAULT_MAX_INPUT_BYTES, intVar, type LOG_LEVELS, parseEnv, SHARED_ENV } from "./env.js";

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
  // Split-and-parallel encoding (docs/adr/0026-split-and-parallel-encoding.md).
  SEGMENT_POLICY_MIN_DURATION: intVar(0, 7 * 86_400).default(0),
  SEGMENT_DEFAULT_LENGTH: intVar(MIN_SEGMENT_SECONDS, MAX_SEGMENT_SECONDS).default(20),
  // Files over HTTP (docs/adr/0021-files-over-http.md).
  MAX_UPLOAD_BYTES: intVar(1, Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_INPUT_BYTES),
  UPLOAD_MIN_FREE_BYTES: intVar(0, Number.MAX_SAFE_INTEGER).default(1024 ** 3),
  UPLOAD_RETENTION_HOURS: intVar(0, 24 * 365 * 10).default(24),
  JOB_RETENTION_DAYS: intVar(0, 365 * 100).default(30),
  OUTPUT_RETENTION_DAYS: intVar(0, 365 * 100).default(0),
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

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

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
  ffprobePath: string;
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
  /** An upload larger than this is refused (413 upload_too_large), before or while it is read. */
  maxUploadBytes: number;
  /** An upload that would leave less than this free on the media root's disk is refused (507). */
  uploadMinFreeBytes: number;
  /** Uploads no live job reads are removed this long after they were made; 0 keeps them. */
  uploadRetentionMs: number;
  /** Ended jobs are pruned (record, log, webhook deliveries) this long after they ended; 0 keeps them. */
  jobRetentionMs: number;
  /** Outputs of completed jobs are deleted this long after the job ended; 0 (the default) never deletes one. */
  outputRetentionMs: number;
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
  /** Inputs at least this long (seconds) are encoded in segments unless the job says otherwise; 0: never by policy. */
  segmentPolicyMinSeconds: number;
  /** The segment length of `options.segments: "auto"` and of the policy, in seconds. */
  segmentDefaultSeconds: number;
};

export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  const e = parseEnv(ApiEnv, env);
  // An output is found through its job's record: one pruned first would keep its output for good.
  if (e.OUTPUT_RETENTION_DAYS > 0 && e.JOB_RETENTION_DAYS > 0 && e.OUTPUT_RETENTION_DAYS > e.JOB_RETENTION_DAYS) {
    throw new ConfigError(
      "Invalid configuration: OUTPUT_RETENTION_DAYS must not exceed JOB_RETENTION_DAYS (or set JOB_RETENTION_DAYS=0)",
    );
  }
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
    ffprobePath: e.FFPROBE_PATH,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    uploadMinFreeBytes: e.UPLOAD_MIN_FREE_BYTES,
    uploadRetentionMs: e.UPLOAD_RETENTION_HOURS * HOUR_MS,
    jobRetentionMs: e.JOB_RETENTION_DAYS * DAY_MS,
    outputRetentionMs: e.OUTPUT_RETENTION_DAYS * DAY_MS,
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    metricsPublic: e.METRICS_PUBLIC,
    sseHeartbeatMs: e.SSE_HEARTBEAT_SECONDS * 1000,
    segmentPolicyMinSeconds: e.SEGMENT_POLICY_MIN_DURATION,
    segmentDefaultSeconds: e.SEGMENT_DEFAULT_LENGTH,
  };
}

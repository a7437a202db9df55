import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  createLogger,
  loadApiConfig,
  loadConfigOrExit,
  realMediaRoot,
  redactUrl,
  throttledWarning,
} from "@converter/shared";
import { serve } from "@hono/node-server";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { bullJobQueue, createConversionQueue } from "./queue/conversion-queue.js";
import { JobEventsConsumer } from "./queue/job-events-consumer.js";
import { JobStateSync } from "./queue/job-state-sync.js";
import { Reconciler, reconcileLiveJobs } from "./queue/reconcile.js";
import { HealthService, readFfmpegVersion } from "./services/health-service.js";
import { JobService } from "./services/job-service.js";
import { openDatabase } from "./store/db.js";
import { JobStore } from "./store/job-store.js";
import { API_VERSION } from "./version.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { WebhookStore } from "./webhooks/webhook-store.js";
import { createWebhookUrlCheck } from "./webhooks/webhook-url-check.js";

/** How long start-up waits for Redis before serving reads from SQLite alone. */
const STARTUP_SYNC_WAIT_MS = 5000;

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadApiConfig);
  const log = createLogger({ name: "api", level: config.logLevel });
  if (!config.apiKey) log.warn("API_KEY is not set: every route is open to anyone who can reach this port");

  await mkdir(config.mediaRoot, { recursive: true });
  const mediaRoot = await realMediaRoot(config.mediaRoot);
  const db = openDatabase(config.databasePath);
  const store = new JobStore(db);

  // One connection for commands (no offline queue: fail fast while Redis is
  // down) and one for the blocking event stream reader.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  const eventsRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const warnRedis = throttledWarning(log, "redis connection error (retrying)");
  redis.on("error", warnRedis);
  eventsRedis.on("error", warnRedis);
  redis.on("ready", () => log.info("redis connected"));
  try {
    await redis.connect();
  } catch (error) {
    log.warn(
      { redis: redactUrl(config.redisUrl), err: (error as Error).message },
      "redis unreachable at start; retrying in the background",
    );
  }

  const queue = createConversionQueue(redis, config.queueName);
  const jobQueue = bullJobQueue(queue, redis);
  // Webhook deliveries run here, beside SQLite, on a queue of their own.
  const webhookRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  webhookRedis.on("error", warnRedis);
  const webhooks = new WebhookDispatcher({
    connection: redis,
    workerConnection: webhookRedis,
    queueName: config.queueName,
    store: new WebhookStore(db),
    log: log.child({ component: "webhooks" }),
    secret: config.webhookSecret,
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookMaxAttempts,
    backoffMs: config.webhookBackoffMs,
    userAgent: `ffmpeg-converter/${API_VERSION}`,
  });
  if (config.webhookAllowPrivate)
    log.warn("WEBHOOK_ALLOW_PRIVATE is true: webhooks may reach private and loopback addresses");
  const sync = new JobStateSync(queue, store, log, webhooks);
  const consumer = new JobEventsConsumer({ connection: eventsRedis, queue, store, sync, log, onError: warnRedis });

  if (!(await readFfmpegVersion(config.ffmpegPath))) {
    log.warn({ ffmpeg: config.ffmpegPath }, "ffmpeg cannot be run on the API node: /health will answer 503");
  }

  // Events first, then reconciliation, so nothing falls between the two. Both
  // need Redis. When it answers, the server listens only once statuses have
  // caught up; when it does not, reads are served from SQLite meanwhile and
  // the catch-up runs as soon as Redis is back.
  const reconciler = new Reconciler(
    () => reconcileLiveJobs({ store, queue, jobQueue, sync, log, webhooks }),
    log,
    config.reconcileIntervalMs,
  );
  const caughtUp = (async () => {
    await consumer.start();
    await webhooks.start();
    // The command connection reconnects on its own schedule; reconciling
    // before it is ready would fail at once (it does not queue commands).
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
    await reconciler.trigger("start");
    // From now on: after every reconnect (events may have been missed) and periodically.
    redis.on("ready", () => void reconciler.trigger("redis reconnected"));
    reconciler.start();
  })();
  const startupWait = new Promise<void>((resolve) => setTimeout(resolve, STARTUP_SYNC_WAIT_MS).unref());
  await Promise.race([caughtUp, startupWait]);

  const app = createApp({
    config,
    version: API_VERSION,
    log,
    jobs: new JobService({
      store,
      queue: jobQueue,
      mediaRoot,
      maxQueuedJobs: config.maxQueuedJobs,
      cancelWaitMs: config.cancelWaitMs,
      webhooks,
      checkWebhookUrl: createWebhookUrlCheck({
        secret: config.webhookSecret,
        allowPrivate: config.webhookAllowPrivate,
      }),
      maxInputBytes: config.maxInputBytes,
    }),
    health: new HealthService({ redis, queue, ffmpegPath: config.ffmpegPath, version: API_VERSION, log }),
    queue,
    webhookQueue: webhooks.queue,
  });

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    log.info(
      {
        port: info.port,
        host: config.host,
        media_root: mediaRoot,
        database: path.resolve(config.databasePath),
        queue: config.queueName,
      },
      "api listening",
    );
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "api stopping");
    server.close();
    await reconciler.stop();
    await consumer.close().catch(() => undefined);
    await webhooks.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    redis.disconnect();
    eventsRedis.disconnect();
    webhookRedis.disconnect();
    db.$client.close();
    log.info("api stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error("api failed to start:", error);
  process.exit(1);
});

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ApiConfig, loadApiConfig, loadConfigOrExit } from "@converter/shared/config/api";
import { createLogger, type Logger, redactUrl, throttledWarning } from "@converter/shared/logger";
import { realMediaRoot } from "@converter/shared/media-path";
import { serve } from "@hono/node-server";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { OutputFiles } from "./downloads/output-files.js";
import { JobEventLog } from "./events/job-event-log.js";
import { FolderListing } from "./files/list-folder.js";
import { bullJobQueue, type ConversionQueue, createConversionQueue } from "./queue/conversion-queue.js";
import { RetentionSweeper } from "./retention/retention-sweeper.js";
import { HealthService, readFfmpegVersion } from "./services/health-service.js";
import { JobService } from "./services/job-service.js";
import { ProbeService } from "./services/probe-service.js";
import { type Db, openDatabase } from "./store/db.js";
import { JobStore } from "./store/job-store.js";
import { JobEventsConsumer } from "./sync/job-events-consumer.js";
import { JobStateSync } from "./sync/job-state-sync.js";
import { Reconciler, reconcileLiveJobs } from "./sync/reconcile.js";
import { hashThread } from "./uploads/sha256-thread.js";
import { createTusUploads } from "./uploads/tus-uploads.js";
import { UploadService } from "./uploads/upload-service.js";
import { API_VERSION } from "./version.js";
import { JobViews } from "./views/job-views.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { WebhookStore } from "./webhooks/webhook-store.js";
import { createWebhookUrlCheck } from "./webhooks/webhook-url-check.js";

/** How long start-up waits for Redis before serving reads from SQLite alone. */
const STARTUP_SYNC_WAIT_MS = 5000;

/** The API's three Redis connections; see connectRedis. */
type RedisConnections = { commands: Redis; events: Redis; webhookWorker: Redis };

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadApiConfig);
  const log = createLogger({ name: "api", level: config.logLevel });
  if (!config.apiKey) log.warn("API_KEY is not set: every route is open to anyone who can reach this port");
  if (config.webhookAllowPrivate) {
    log.warn("WEBHOOK_ALLOW_PRIVATE is true: webhooks may reach private and loopback addresses");
  }
  await mkdir(config.mediaRoot, { recursive: true });
  const mediaRoot = await realMediaRoot(config.mediaRoot);
  const db = openDatabase(config.databasePath);
  const files = await startFiles(config, log, db, mediaRoot);
  const redis = await connectRedis(config, log);
  const queue = createConversionQueue(redis.commands, config.queueName);
  const webhooks = createWebhookDispatcher(config, log, db, redis);
  if (!(await readFfmpegVersion(config.ffmpegPath))) {
    log.warn({ ffmpeg: config.ffmpegPath }, "ffmpeg cannot be run on the API node: /health will answer 503");
  }
  // Every change of a job, whoever writes it, becomes a live event for GET /events.
  const views = new JobViews(db);
  const events = new JobEventLog((jobId) => views.get(jobId));
  const sync = await startSync({ config, log, db, redis, queue, webhooks, events });

  const app = createApp({
    config,
    version: API_VERSION,
    log,
    jobs: new JobService({
      db,
      queue: bullJobQueue(queue, redis.commands),
      mediaRoot,
      maxQueuedJobs: config.maxQueuedJobs,
      cancelWaitMs: config.cancelWaitMs,
      webhooks,
      checkWebhookUrl: createWebhookUrlCheck({
        secret: config.webhookSecret,
        allowPrivate: config.webhookAllowPrivate,
      }),
      maxInputBytes: config.maxInputBytes,
      changes: events,
    }),
    health: new HealthService({
      redis: redis.commands,
      queue,
      ffmpegPath: config.ffmpegPath,
      version: API_VERSION,
      log,
    }),
    queue,
    webhookQueue: webhooks.queue,
    ...files.routes,
    events,
  });
  // Node's default 5-minute limit on a whole request would cut off any large upload; headersTimeout still
  // bounds a client that never finishes its headers.
  const serverOptions = { requestTimeout: 0 };
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions }, (info) => {
    const database = path.resolve(config.databasePath);
    log.info(
      { port: info.port, host: config.host, media_root: mediaRoot, database, queue: config.queueName },
      "api listening",
    );
  });

  stopOnSignals(log, async () => {
    server.close();
    await files.retention.stop();
    await sync.stop();
    await webhooks.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    for (const connection of Object.values(redis)) connection.disconnect();
    db.$client.close();
  });
}

/**
 * Files over HTTP (docs/adr/0016-files-over-http.md): uploads (single and
 * resumable), downloads, probe, listings, and the retention sweep, which
 * first removes what a crash left half uploaded.
 */
async function startFiles(config: ApiConfig, log: Logger, db: Db, mediaRoot: string) {
  const uploads = new UploadService({
    db,
    mediaRoot,
    maxUploadBytes: config.maxUploadBytes,
    minFreeBytes: config.uploadMinFreeBytes,
    log: log.child({ component: "uploads" }),
  });
  await mkdir(uploads.root, { recursive: true });
  hashThread();
  const tus = createTusUploads(uploads, log.child({ component: "tus" }));
  const retention = new RetentionSweeper({
    db,
    mediaRoot,
    uploads,
    tus,
    log: log.child({ component: "retention" }),
    uploadRetentionMs: config.uploadRetentionMs,
    jobRetentionMs: config.jobRetentionMs,
    outputRetentionMs: config.outputRetentionMs,
  });
  const abandoned = await retention.removeAbandoned();
  if (abandoned > 0) log.info({ uploads: abandoned }, "removed uploads a stopped API left half written");
  retention.start();
  return {
    retention,
    routes: {
      uploads,
      tus,
      outputs: new OutputFiles(db, mediaRoot),
      folders: new FolderListing(mediaRoot),
      probe: new ProbeService({ mediaRoot, ffprobePath: config.ffprobePath }),
    },
  };
}

/** SIGINT and SIGTERM run `stop` once, then the process exits. */
function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "api stopping");
    await stop();
    log.info("api stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
}

/**
 * One connection for commands (no offline queue: fail fast while Redis is
 * down), one for the blocking event stream reader, one for the webhook
 * worker. A Redis that does not answer at start is retried in the background.
 */
async function connectRedis(config: ApiConfig, log: Logger): Promise<RedisConnections> {
  const commands = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  const events = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const webhookWorker = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const warnRedis = throttledWarning(log, "redis connection error (retrying)");
  for (const connection of [commands, events, webhookWorker]) connection.on("error", warnRedis);
  commands.on("ready", () => log.info("redis connected"));
  try {
    await commands.connect();
  } catch (error) {
    log.warn(
      { redis: redactUrl(config.redisUrl), err: (error as Error).message },
      "redis unreachable at start; retrying in the background",
    );
  }
  return { commands, events, webhookWorker };
}

/** Webhook deliveries run here, beside SQLite, on a queue of their own. */
function createWebhookDispatcher(config: ApiConfig, log: Logger, db: Db, redis: RedisConnections) {
  return new WebhookDispatcher({
    connection: redis.commands,
    workerConnection: redis.webhookWorker,
    queueName: config.queueName,
    store: new WebhookStore(db),
    jobs: new JobViews(db),
    log: log.child({ component: "webhooks" }),
    secret: config.webhookSecret,
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookMaxAttempts,
    backoffMs: config.webhookBackoffMs,
    userAgent: `ffmpeg-converter/${API_VERSION}`,
  });
}

/**
 * Starts the BullMQ → SQLite sync: events first, then reconciliation, so
 * nothing falls between the two. Both need Redis. When it answers, this
 * resolves once statuses have caught up (so the server listens with fresh
 * records); when it does not, it resolves after STARTUP_SYNC_WAIT_MS, reads
 * are served from SQLite meanwhile, and the catch-up runs as soon as Redis
 * is back.
 */
async function startSync(deps: {
  config: ApiConfig;
  log: Logger;
  db: Db;
  redis: RedisConnections;
  queue: ConversionQueue;
  webhooks: WebhookDispatcher;
  events: JobEventLog;
}): Promise<{ stop(): Promise<void> }> {
  const { config, log, db, redis, queue, webhooks } = deps;
  const store = new JobStore(db, deps.events);
  const sync = new JobStateSync(queue, store, log, webhooks);
  const warnRedis = throttledWarning(log, "redis connection error (retrying)");
  const consumer = new JobEventsConsumer({ connection: redis.events, queue, store, sync, log, onError: warnRedis });
  const jobQueue = bullJobQueue(queue, redis.commands);
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
    if (redis.commands.status !== "ready") await new Promise((resolve) => redis.commands.once("ready", resolve));
    await reconciler.trigger("start");
    // From now on: after every reconnect (events may have been missed) and periodically.
    redis.commands.on("ready", () => void reconciler.trigger("redis reconnected"));
    reconciler.start();
  })();
  const startupWait = new Promise<void>((resolve) => setTimeout(resolve, STARTUP_SYNC_WAIT_MS).unref());
  await Promise.race([caughtUp, startupWait]);
  return {
    async stop() {
      await reconciler.stop();
      await consumer.close().catch(() => undefined);
    },
  };
}

main().catch((error) => {
  console.error("api failed to start:", error);
  process.exit(1);
});

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ApiConfig, loadApiConfig, loadConfigOrExit } from "@converter/shared/config/api";
import { createLogger, type Logger, redactUrl, throttledWarning } from "@converter/shared/logger";
import { realMediaRoot } from "@converter/shared/media-path";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { listen } from "./http-server.js";
import { bullJobQueue, type ConversionQueue, createConversionQueue } from "./queue/conversion-queue.js";
import { HealthService, readFfmpegVersion } from "./services/health-service.js";
import { JobService } from "./services/job-service.js";
import { type Db, databaseProblem, openDatabase } from "./store/db.js";
import { JobStore } from "./store/job-store.js";
import { JobEventsConsumer } from "./sync/job-events-consumer.js";
import { JobStateSync } from "./sync/job-state-sync.js";
import { Reconciler, reconcileLiveJobs } from "./sync/reconcile.js";
import { API_VERSION } from "./version.js";
import { JobViews } from "./views/job-views.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { WebhookStore } from "./webhooks/webhook-store.js";
import { createWebhookUrlCheck } from "./webhooks/webhook-url-check.js";
import { withTimeout } from "./with-timeout.js";

/** How long start-up waits for Redis before serving reads from SQLite alone. */
const STARTUP_SYNC_WAIT_MS = 5000;

/** The API's three Redis connections; see connectRedis. */
type RedisConnections = { commands: Redis; events: Redis; webhookWorker: Redis };

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadApiConfig);
  const log = createLogger({ name: "api", level: config.logLevel });
  // From the first moment: a stop asked for while start-up waits on Redis must not wait with it.
  const stopping = stopOnSignals(log);
  if (!config.apiKey) log.warn("API_KEY is not set: every route is open to anyone who can reach this port");
  if (config.webhookAllowPrivate) {
    log.warn("WEBHOOK_ALLOW_PRIVATE is true: webhooks may reach private and loopback addresses");
  }
  await mkdir(config.mediaRoot, { recursive: true });
  const mediaRoot = await realMediaRoot(config.mediaRoot);
  const db = openDatabaseOrExit(config.databasePath);
  stopping.last(() => db.$client.close());
  const redis = await connectRedis(config, log);
  stopping.last(() => {
    for (const connection of Object.values(redis)) connection.disconnect();
  });
  const queue = createConversionQueue(redis.commands, config.queueName);
  const webhooks = createWebhookDispatcher(config, log, db, redis);
  stopping.bounded(() => webhooks.close());
  stopping.bounded(() => queue.close());
  if (!(await readFfmpegVersion(config.ffmpegPath))) {
    log.warn({ ffmpeg: config.ffmpegPath }, "ffmpeg cannot be run on the API node: /health will answer 503");
  }
  const sync = await startSync({ config, log, db, redis, queue, webhooks });
  stopping.bounded(() => sync.stop());

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
  });
  const server = listen(app, {
    port: config.port,
    host: config.host,
    log,
    onListening: (port) => {
      const database = path.resolve(config.databasePath);
      log.info({ port, host: config.host, media_root: mediaRoot, database, queue: config.queueName }, "api listening");
    },
  });
  stopping.first(() => server.close());
}

/**
 * How long stopping may take in all. Docker's default stop timeout is 10 s,
 * after which it sends SIGKILL; past this the API exits by itself with a
 * line that says so.
 */
const STOP_DEADLINE_MS = 8000;
/** What one closing BullMQ object (its Redis may be gone) gets before the stop moves on without it. */
const CLOSE_STEP_MS = 3000;

/**
 * SIGINT and SIGTERM stop the API once, whatever it is waiting on (Redis
 * down at start, a close that never returns): first what stops new work
 * (the server), then the BullMQ objects, each bounded by CLOSE_STEP_MS, all
 * at once, then the connections and the database. Steps are registered as
 * start-up creates what they close, so a signal during start-up closes what
 * exists so far.
 */
function stopOnSignals(log: Logger) {
  const steps = { first: [] as (() => void)[], bounded: [] as (() => Promise<void>)[], last: [] as (() => void)[] };
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "api stopping");
    setTimeout(() => {
      log.error({ deadline_ms: STOP_DEADLINE_MS }, "api did not stop in time; exiting anyway");
      process.exit(1);
    }, STOP_DEADLINE_MS);
    for (const step of steps.first) step();
    await Promise.all(steps.bounded.map((step) => withTimeout(step(), CLOSE_STEP_MS, "close").catch(() => undefined)));
    for (const step of steps.last.reverse()) step();
    log.info("api stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  return {
    first: (step: () => void) => steps.first.push(step),
    bounded: (step: () => Promise<void>) => steps.bounded.push(step),
    last: (step: () => void) => steps.last.push(step),
  };
}

/**
 * The database, or one line naming DATABASE_PATH and exit status 78, like
 * any other setting the API cannot use (a read-only or impossible path).
 */
function openDatabaseOrExit(file: string): Db {
  try {
    return openDatabase(file);
  } catch (error) {
    console.error(`Invalid configuration: DATABASE_PATH ${databaseProblem(file, error)}`);
    process.exit(78);
  }
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
}): Promise<{ stop(): Promise<void> }> {
  const { config, log, db, redis, queue, webhooks } = deps;
  const store = new JobStore(db);
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

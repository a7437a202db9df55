import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ApiConfig, loadApiConfig, loadConfigOrExit } from "@converter/shared/config/api";
import { createLogger, type Logger, redactUrl, throttledWarning } from "@converter/shared/logger";
import { realMediaRoot } from "@converter/shared/media-path";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import type { AppDeps } from "./deps.js";
import { JobEventLog } from "./events/job-event-log.js";
import { FleetMonitor } from "./fleet/fleet-monitor.js";
import { hotReadLane } from "./hot-reads/hot-read-lane.js";
import { listen } from "./http-server.js";
import { type ApiMetrics, createApiMetrics } from "./metrics/api-metrics.js";
import { bullJobQueue } from "./queue/bull-job-queue.js";
import { ConversionQueues } from "./queue/conversion-queues.js";
import { HealthService, readFfmpegVersion } from "./services/health-service.js";
import { JobService } from "./services/job-service.js";
import { startFiles } from "./start-files.js";
import { stopOnSignals } from "./stop-on-signals.js";
import { type Db, databaseProblem, openDatabase } from "./store/db.js";
import { JobStore } from "./store/job-store.js";
import { SegmentStore } from "./store/segment-store.js";
import { JobEventsConsumer } from "./sync/job-events-consumer.js";
import { type JobEndListener, JobStateSync } from "./sync/job-state-sync.js";
import { Reconciler, reconcileLiveJobs } from "./sync/reconcile.js";
import { SegmentEvents } from "./sync/segment-events.js";
import { API_VERSION } from "./version.js";
import { JobViews } from "./views/job-views.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { WebhookStore } from "./webhooks/webhook-store.js";
import { createWebhookUrlCheck } from "./webhooks/webhook-url-check.js";

/** How long start-up waits for Redis before serving reads from SQLite alone. */
const STARTUP_SYNC_WAIT_MS = 5000;

/** The API's three Redis connections; see connectRedis. */
type RedisConnections = { commands: Redis; events: Redis; webhookWorker: Redis };

/**
 * The composition root, long on purpose: every part is built here once and
 * handed what it depends on, in the order they depend on each other, so the
 * wiring of the whole process reads top to bottom in one place.
 */
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
  const files = await startFiles(config, log, db, mediaRoot);
  stopping.bounded(() => files.retention.stop());
  const redis = await connectRedis(config, log);
  stopping.last(() => {
    for (const connection of Object.values(redis)) connection.disconnect();
  });
  const queues = ConversionQueues.open(redis.commands, config.queueName);
  const { fleet, routing, views, metrics } = observeFleet(config, log, db, redis, queues);
  stopping.first(() => fleet.stop());
  const webhooks = createWebhookDispatcher(config, log, db, redis, views, metrics);
  stopping.bounded(() => webhooks.close());
  stopping.bounded(() => queues.close());
  // Everything told when a job ends: its webhook, and the duration and speed histograms.
  const jobEnded: JobEndListener = {
    async jobFinished(jobId) {
      await webhooks.jobFinished(jobId);
      await metrics.jobs.jobFinished(jobId);
    },
  };
  if (!(await readFfmpegVersion(config.ffmpegPath))) {
    log.warn({ ffmpeg: config.ffmpegPath }, "ffmpeg cannot be run on the API node: /health will answer 503");
  }
  fleet.start();
  // Every change of a job, whoever writes it, becomes a live event for GET /events.
  const events = new JobEventLog((jobId) => views.get(jobId));
  const sync = await startSync({ config, log, db, redis, queues, webhooks, jobEnded, events });
  stopping.bounded(() => sync.stop());

  const deps: AppDeps = {
    config,
    version: API_VERSION,
    log,
    jobs: new JobService({
      db,
      queue: bullJobQueue(queues, redis.commands),
      mediaRoot,
      maxQueuedJobs: config.maxQueuedJobs,
      cancelWaitMs: config.cancelWaitMs,
      webhooks: jobEnded,
      checkWebhookUrl: createWebhookUrlCheck({
        secret: config.webhookSecret,
        allowPrivate: config.webhookAllowPrivate,
      }),
      maxInputBytes: config.maxInputBytes,
      routing,
      changes: events,
      segmenting: {
        ffprobePath: config.ffprobePath,
        policyMinSeconds: config.segmentPolicyMinSeconds,
        defaultSeconds: config.segmentDefaultSeconds,
      },
    }),
    health: new HealthService({
      redis: redis.commands,
      queues,
      fleet,
      ffmpegPath: config.ffmpegPath,
      version: API_VERSION,
      log,
    }),
    dashboardQueues: [...queues.all(), webhooks.queue],
    fleet,
    metrics,
    ...files.routes,
    events,
  };
  const server = listen(createApp(deps), {
    port: config.port,
    host: config.host,
    log,
    hotReads: await hotReadLane(deps),
    onListening: (port) => {
      const database = path.resolve(config.databasePath);
      log.info({ port, host: config.host, media_root: mediaRoot, database, queue: config.queueName }, "api listening");
    },
  });
  stopping.first(() => server.close());
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
 * What the API knows of the fleet (ADR 0016, ADR 0018): the live workers'
 * heartbeats, read every few seconds, which the job views use to say why a
 * job waits, and the metrics, which count jobs, queues and workers.
 */
function observeFleet(config: ApiConfig, log: Logger, db: Db, redis: RedisConnections, queues: ConversionQueues) {
  const fleet = new FleetMonitor({ redis: redis.commands, queueName: config.queueName, log });
  const routing = { queueName: config.queueName, waitingReason: fleet.waitingReason.bind(fleet) };
  const views = new JobViews(db, routing);
  const metrics = createApiMetrics({ db, queues, workers: () => fleet.cached(), readJob: (id) => views.get(id) });
  return { fleet, routing, views, metrics };
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
function createWebhookDispatcher(
  config: ApiConfig,
  log: Logger,
  db: Db,
  redis: RedisConnections,
  views: JobViews,
  metrics: ApiMetrics,
) {
  return new WebhookDispatcher({
    connection: redis.commands,
    workerConnection: redis.webhookWorker,
    queueName: config.queueName,
    store: new WebhookStore(db),
    jobs: views,
    log: log.child({ component: "webhooks" }),
    secret: config.webhookSecret,
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookMaxAttempts,
    backoffMs: config.webhookBackoffMs,
    userAgent: `ffmpeg-converter/${API_VERSION}`,
    onFailedAttempt: (final) => metrics.webhookFailed(final),
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
  queues: ConversionQueues;
  webhooks: WebhookDispatcher;
  jobEnded: JobEndListener;
  events: JobEventLog;
}): Promise<{ stop(): Promise<void> }> {
  const { config, log, db, redis, queues, webhooks } = deps;
  const store = new JobStore(db, deps.events);
  const warnRedis = throttledWarning(log, "redis connection error (retrying)");
  // One sync and one events consumer per route queue (ADR 0016): each job's events are in one stream.
  const segments = new SegmentEvents(store, new SegmentStore(db, store), (name) =>
    queues.all().find((queue) => queue.name === name),
  );
  const syncs = new Map(
    queues.all().map((queue) => [queue, new JobStateSync(queue, store, log, deps.jobEnded, segments)]),
  );
  const syncFor = (queue: (typeof queues)["base"]) =>
    syncs.get(queue) ?? new JobStateSync(queue, store, log, undefined, segments);
  const consumers = queues.all().map(
    (queue) =>
      new JobEventsConsumer({
        connection: redis.events,
        queue,
        store,
        sync: syncFor(queue),
        segments,
        log,
        onError: warnRedis,
      }),
  );
  const jobQueue = bullJobQueue(queues, redis.commands);
  const reconciler = new Reconciler(
    () => reconcileLiveJobs({ store, queues, jobQueue, syncFor, log, webhooks }),
    log,
    config.reconcileIntervalMs,
  );
  const caughtUp = (async () => {
    await Promise.all(consumers.map((consumer) => consumer.start()));
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
      await Promise.all(consumers.map((consumer) => consumer.close().catch(() => undefined)));
    },
  };
}

main().catch((error) => {
  console.error("api failed to start:", error);
  process.exit(1);
});

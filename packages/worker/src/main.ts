import { mkdir } from "node:fs/promises";
import { loadConfigOrExit, loadWorkerConfig, type WorkerConfig } from "@converter/shared/config/worker";
import { createLogger, type Logger, redactUrl, throttledWarning } from "@converter/shared/logger";
import { realMediaRoot } from "@converter/shared/media-path";
import { isNvencRoute, JOB_ROUTES, routeQueueName } from "@converter/shared/queue";
import { Redis } from "ioredis";
import {
  CapabilityError,
  type MeasuredCapabilities,
  measureCapabilities,
} from "./capabilities/measure-capabilities.js";
import { tuneChildMalloc } from "./ffmpeg/glibc-tunables.js";
import { startSpawning } from "./ffmpeg/start-spawner.js";
import { startWorkerHealthFile } from "./health/health-file.js";
import { descriptorPathsWork } from "./media-files/descriptor-paths.js";
import { startProber } from "./probe-server/start-prober.js";
import { checkEvictionPolicy } from "./redis/eviction-policy.js";
import { bullLockKey, bullWaitingChildrenKey, sweepTemporaryFiles } from "./temp-sweep.js";
import { WORKER_VERSION } from "./version.js";
import { createConversionWorker } from "./worker.js";

async function main(): Promise<void> {
  const config = loadConfigOrExit(loadWorkerConfig);
  const log = createLogger({ name: "worker", level: config.logLevel }).child({ worker: config.workerName });
  // From the first moment: a stop asked for while start-up waits on Redis must not wait with it.
  const stopping = stopOnSignals(log, config.shutdownGraceMs);
  await mkdir(config.mediaRoot, { recursive: true });
  const mediaRoot = await realMediaRoot(config.mediaRoot);
  if (!(await descriptorPathsWork(mediaRoot))) {
    log.fatal(
      { media_root: mediaRoot },
      "the worker opens media files by descriptor through /proc/self/fd (docs/adr/0020-media-files-by-descriptor.md); it needs Linux with /proc mounted",
    );
    process.exit(1);
  }
  // Before the start-up test encodes, so that they run ffmpeg as the jobs will.
  tuneChildMalloc(config.ffmpegGlibcTunables);
  const { ffprobeVersion, ...capabilities } = await measureOrExit(config, log);
  const prober = await startProber(config, ffprobeVersion, log);
  stopping.last(prober.close);
  const spawning = await startSpawning(config, log);
  stopping.last(spawning.close);
  const connection = await connectRedis(config, log);
  stopping.last(() => connection.disconnect());

  const { waitUntilReady, routes, close } = createConversionWorker({
    connection,
    queueName: config.queueName,
    workerName: config.workerName,
    mediaRoot,
    concurrency: config.concurrency,
    hardware: config.hardware,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    probe: prober.probe,
    startFfmpeg: spawning.start,
    ...capabilities,
    nvencMaxSessions: config.nvencMaxSessions,
    version: WORKER_VERSION,
    maxStalledCount: config.maxStalledCount,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    stallTimeoutMs: config.stallTimeoutMs,
    shutdownGraceMs: config.shutdownGraceMs,
    log,
    limits: config.limits,
  });
  stopping.first(close);
  await waitUntilReady();
  startWorkerHealthFile(config, connection, log);
  log.info(
    {
      queue: config.queueName,
      routes,
      concurrency: config.concurrency,
      media_root: mediaRoot,
      redis: redactUrl(config.redisUrl),
      limits: config.limits,
      probing: prober.using,
      starting_ffmpeg: spawning.using,
      ffmpeg_glibc_tunables: config.ffmpegGlibcTunables ?? "off",
    },
    "worker ready",
  );
  // In the background: a large media library must not delay taking jobs.
  void sweepTemporaryFiles({
    mediaRoot,
    // A job holds its lock in the queue of its route (ADR 0016): any of them. A segmented job
    // waiting for its children (ADR 0026) holds no lock, but its finished pieces are still needed.
    isJobRunning: async (jobId) => {
      const queues = JOB_ROUTES.map((route) => routeQueueName(config.queueName, route));
      if ((await connection.exists(...queues.map((queue) => bullLockKey(queue, jobId)))) > 0) return true;
      const waiting = await Promise.all(queues.map((queue) => connection.zscore(bullWaitingChildrenKey(queue), jobId)));
      return waiting.some((score) => score !== null);
    },
    minIdleMs: config.stallTimeoutMs + config.lockDurationMs,
    log,
  }).catch((error: Error) =>
    log.warn({ err: error.message }, "temporary-file sweep stopped; it runs again at the next start"),
  );
}

/**
 * Past the grace, ffmpeg gets SIGTERM and 5 s more before SIGKILL, the job
 * goes back to the queue, and the last closes get 2 s (worker.ts): this much
 * on top of SHUTDOWN_GRACE_SECONDS covers that, and compose.yaml's
 * stop_grace_period (45 s for the default grace of 30 s) covers both.
 */
const STOP_SLACK_MS = 12_000;

/**
 * SIGINT and SIGTERM stop the worker once, whatever it is waiting on (a
 * Redis that is down at start or went away): the worker's own close (jobs
 * finish for the grace, then go back), then the connection. Past the grace
 * plus STOP_SLACK_MS it exits anyway, with a line that says so. Steps are
 * registered as start-up creates what they close.
 */
function stopOnSignals(log: Logger, shutdownGraceMs: number) {
  const steps = { first: [] as (() => Promise<void>)[], last: [] as (() => void)[] };
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker stopping");
    const deadlineMs = shutdownGraceMs + STOP_SLACK_MS;
    setTimeout(() => {
      log.error({ deadline_ms: deadlineMs }, "worker did not stop in time; exiting anyway");
      process.exit(1);
    }, deadlineMs);
    for (const step of steps.first) await step().catch((error) => log.error({ err: error }, "error while stopping"));
    for (const step of steps.last.reverse()) step();
    log.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  return {
    first: (step: () => Promise<void>) => steps.first.push(step),
    last: (step: () => void) => steps.last.push(step),
  };
}

/**
 * The start-up tests (ADR 0004, ADR 0017). A worker whose ffmpeg or ffprobe
 * cannot run stops here (exit 1); one told HARDWARE=gpu whose NVENC passed
 * no test would take no job at all (ADR 0016), so it stops too (exit 78).
 */
async function measureOrExit(config: WorkerConfig, log: Logger): Promise<MeasuredCapabilities> {
  let capabilities: MeasuredCapabilities;
  try {
    capabilities = await measureCapabilities(config, log);
  } catch (error) {
    if (!(error instanceof CapabilityError)) throw error;
    log.fatal({ ffmpeg: config.ffmpegPath, ffprobe: config.ffprobePath }, error.message);
    process.exit(1);
  }
  const nvenc = Object.entries(capabilities.encoders).filter(([name, ok]) => ok && isNvencRoute(name));
  if (config.hardware === "gpu" && nvenc.length === 0) {
    log.fatal(
      { encoders: capabilities.encoders },
      "HARDWARE=gpu but no NVENC encoder passed its test encode: this worker could take no job",
    );
    process.exit(78);
  }
  return capabilities;
}

/**
 * BullMQ workers block on Redis: they need maxRetriesPerRequest null and
 * reconnect forever. A Redis that may evict keys would lose jobs, so the
 * worker refuses to start on one (exit status 78).
 */
async function connectRedis(config: WorkerConfig, log: Logger): Promise<Redis> {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", throttledWarning(log, "redis connection error (retrying)"));
  const eviction = await checkEvictionPolicy(connection);
  if (eviction.ok === false) {
    log.fatal({ redis: redactUrl(config.redisUrl), maxmemory_policy: eviction.policy }, eviction.message);
    connection.disconnect();
    process.exit(78);
  }
  if (eviction.ok === "unknown") log.warn({ redis: redactUrl(config.redisUrl) }, eviction.message);
  return connection;
}

main().catch((error) => {
  console.error("worker failed to start:", error);
  process.exit(1);
});

import { execFile } from "node:child_process";
import type { Logger } from "@converter/shared/logger";
import type { JobRoute, WorkerHeartbeat } from "@converter/shared/queue";
import type { Redis } from "ioredis";
import type { FleetMonitor } from "../fleet/fleet-monitor.js";
import { servesRoute, waitingReasonFor } from "../fleet/waiting-reason.js";
import type { ConversionQueues } from "../queue/conversion-queues.js";
import { withTimeout } from "../with-timeout.js";

const REDIS_TIMEOUT_MS = 1000;
const FFMPEG_CACHE_MS = 60_000;

/** One queue of a route (ADR 0016): what waits there, and how many live workers take its jobs. */
export type QueueHealth = {
  name: string;
  routes: JobRoute[];
  waiting: number;
  active: number;
  workers: number;
  /** Why its waiting jobs do not start, when something stops them (e.g. no live worker can run them). */
  waiting_reason: string | null;
};

export type Health = {
  status: "ok" | "unavailable";
  version: string;
  ffmpeg: { version: string | null };
  redis: "ok" | "unavailable";
  database: "ok";
  /** Every queue together. */
  queue: { waiting: number; active: number } | null;
  /** Each queue of a route; empty while Redis is unreachable. */
  queues: QueueHealth[];
  workers: WorkerHeartbeat[];
  /** What breaks this node's readiness (503). */
  problems: string[];
  /** What an operator should know but does not make the API unready, e.g. no live worker. */
  warnings: string[];
};

/** First line of `ffmpeg -version`, e.g. "5.1.6-0+deb12u1"; null when ffmpeg cannot run. */
export function readFfmpegVersion(ffmpegPath: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, ["-hide_banner", "-version"], { timeout: 5000 }, (error, stdout) => {
      if (error) return resolve(null);
      resolve(/ffmpeg version (\S+)/.exec(stdout)?.[1] ?? "unknown");
    });
  });
}

/**
 * What `GET /health` reports: Redis reachable, ffmpeg runnable, the workers
 * whose heartbeats are fresh, and each route's queue with the reason its
 * jobs wait when no live worker can run them. The API itself needs ffmpeg
 * only to say whether this node can run it; workers measure their own.
 */
export class HealthService {
  private ffmpeg: { version: string | null; at: number } | undefined;

  constructor(
    private readonly deps: {
      redis: Redis;
      queues: ConversionQueues;
      fleet: Pick<FleetMonitor, "read">;
      ffmpegPath: string;
      version: string;
      log: Logger;
    },
  ) {}

  async check(): Promise<Health> {
    const problems: string[] = [];
    const ffmpegVersion = await this.ffmpegVersion();
    if (!ffmpegVersion) problems.push("ffmpeg cannot be run");

    let redis: Health["redis"] = "ok";
    let queues: QueueHealth[] = [];
    let workers: WorkerHeartbeat[] = [];
    try {
      await withTimeout(this.deps.redis.ping(), REDIS_TIMEOUT_MS, "redis ping");
      workers = await this.deps.fleet.read();
      queues = await withTimeout(this.queueHealth(workers), REDIS_TIMEOUT_MS, "queue counts");
    } catch (error) {
      this.deps.log.warn({ err: error }, "health: redis unavailable");
      redis = "unavailable";
      problems.push("redis is unreachable");
    }
    return {
      status: problems.length === 0 ? "ok" : "unavailable",
      version: this.deps.version,
      ffmpeg: { version: ffmpegVersion },
      redis,
      database: "ok",
      queue:
        redis === "ok"
          ? {
              waiting: queues.reduce((sum, q) => sum + q.waiting, 0),
              active: queues.reduce((sum, q) => sum + q.active, 0),
            }
          : null,
      queues,
      workers,
      problems,
      warnings: redis === "ok" ? warningsOf(workers, queues) : [],
    };
  }

  private async queueHealth(workers: WorkerHeartbeat[]): Promise<QueueHealth[]> {
    const { queues } = this.deps;
    return Promise.all(
      queues.all().map(async (queue) => {
        const counts = await queue.getJobCounts("waiting", "prioritized", "delayed", "active");
        const routes = queues.routesOf(queue);
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
        const reason = routes.map((route) => waitingReasonFor(route, workers)).find((r) => r !== null) ?? null;
        return {
          name: queue.name,
          routes,
          waiting,
          active: counts.active ?? 0,
          workers: workers.filter((w) => routes.some((route) => servesRoute(w, route))).length,
          waiting_reason: waiting > 0 ? reason : null,
        };
      }),
    );
  }

  private async ffmpegVersion(): Promise<string | null> {
    const cached = this.ffmpeg;
    if (cached && Date.now() - cached.at < FFMPEG_CACHE_MS) return cached.version;
    const version = await readFfmpegVersion(this.deps.ffmpegPath);
    this.ffmpeg = { version, at: Date.now() };
    return version;
  }
}

function warningsOf(workers: WorkerHeartbeat[], queues: QueueHealth[]): string[] {
  const warnings: string[] = [];
  if (workers.length === 0) {
    warnings.push("no worker has sent a heartbeat recently: submitted jobs wait until one starts");
  }
  for (const queue of queues) {
    if (queue.waiting > 0 && queue.workers === 0 && workers.length > 0) {
      warnings.push(`${queue.waiting} job(s) wait in ${queue.name}: ${queue.waiting_reason}`);
    }
  }
  return warnings;
}

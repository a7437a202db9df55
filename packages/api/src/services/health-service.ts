import { execFile } from "node:child_process";
import type { Logger } from "@converter/shared/logger";
import { parseWorkerHeartbeat, type WorkerHeartbeat, workerHeartbeatPattern } from "@converter/shared/queue";
import type { Redis } from "ioredis";
import type { ConversionQueue } from "../queue/conversion-queue.js";
import { withTimeout } from "../with-timeout.js";

const REDIS_TIMEOUT_MS = 1000;
const FFMPEG_CACHE_MS = 60_000;

export type Health = {
  status: "ok" | "unavailable";
  version: string;
  ffmpeg: { version: string | null };
  redis: "ok" | "unavailable";
  database: "ok";
  queue: { waiting: number; active: number } | null;
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
 * What `GET /health` reports: Redis reachable, ffmpeg runnable, and the
 * workers whose heartbeats are fresh. The API itself needs ffmpeg only to
 * say whether this node can run it; workers measure their own encoders.
 */
export class HealthService {
  private ffmpeg: { version: string | null; at: number } | undefined;

  constructor(
    private readonly deps: {
      redis: Redis;
      queue: ConversionQueue;
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
    let queue: Health["queue"] = null;
    let workers: WorkerHeartbeat[] = [];
    try {
      await withTimeout(this.deps.redis.ping(), REDIS_TIMEOUT_MS, "redis ping");
      const counts = await withTimeout(
        this.deps.queue.getJobCounts("waiting", "prioritized", "delayed", "active"),
        REDIS_TIMEOUT_MS,
        "queue counts",
      );
      queue = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
      };
      workers = await withTimeout(this.workers(), REDIS_TIMEOUT_MS, "worker heartbeats");
    } catch (error) {
      this.deps.log.warn({ err: error }, "health: redis unavailable");
      redis = "unavailable";
      problems.push("redis is unreachable");
    }
    const warnings: string[] = [];
    if (redis === "ok" && workers.length === 0) {
      warnings.push("no worker has sent a heartbeat recently: submitted jobs wait until one starts");
    }
    return {
      status: problems.length === 0 ? "ok" : "unavailable",
      version: this.deps.version,
      ffmpeg: { version: ffmpegVersion },
      redis,
      database: "ok",
      queue,
      workers,
      problems,
      warnings,
    };
  }

  private async ffmpegVersion(): Promise<string | null> {
    const cached = this.ffmpeg;
    if (cached && Date.now() - cached.at < FFMPEG_CACHE_MS) return cached.version;
    const version = await readFfmpegVersion(this.deps.ffmpegPath);
    this.ffmpeg = { version, at: Date.now() };
    return version;
  }

  private async workers(): Promise<WorkerHeartbeat[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.deps.redis.scan(
        cursor,
        "MATCH",
        workerHeartbeatPattern(this.deps.queue.name),
        "COUNT",
        100,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    const values = await this.deps.redis.mget(...keys);
    return values
      .map(parseWorkerHeartbeat)
      .filter((beat): beat is WorkerHeartbeat => beat !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

import type { Logger } from "@converter/shared/logger";
import { throttledWarning } from "@converter/shared/logger";
import { type JobRoute, readWorkerHeartbeats, type WorkerHeartbeat } from "@converter/shared/queue";
import type { Redis } from "ioredis";
import { withTimeout } from "../with-timeout.js";
import { waitingReasonFor } from "./waiting-reason.js";

const READ_TIMEOUT_MS = 1000;

/**
 * The API's view of the live workers, read from their heartbeats every few
 * seconds and kept in memory: job reads say why a job waits from it without
 * touching Redis (reads never wait on Redis), and /metrics counts workers
 * from it. /health and /workers read the heartbeats afresh instead.
 */
export class FleetMonitor {
  private latest: { workers: WorkerHeartbeat[]; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly warn: (error: Error) => void;

  constructor(private readonly deps: { redis: Redis; queueName: string; log: Logger; intervalMs?: number }) {
    this.warn = throttledWarning(deps.log, "could not read worker heartbeats (retrying)");
  }

  private get intervalMs(): number {
    return this.deps.intervalMs ?? 5000;
  }

  /** The live workers now, read from Redis (throws when Redis does not answer within a second). */
  async read(): Promise<WorkerHeartbeat[]> {
    const workers = await withTimeout(
      readWorkerHeartbeats(this.deps.redis, this.deps.queueName),
      READ_TIMEOUT_MS,
      "worker heartbeats",
    );
    this.latest = { workers, at: Date.now() };
    return workers;
  }

  /** The last view, unless it is older than three refreshes (Redis away): then nothing is known. */
  cached(): WorkerHeartbeat[] | undefined {
    if (!this.latest || Date.now() - this.latest.at > this.intervalMs * 3) return undefined;
    return this.latest.workers;
  }

  /** Why a queued job of this route waits; null when nothing is known or nothing stops it. */
  waitingReason(route: JobRoute): string | null {
    const workers = this.cached();
    return workers ? waitingReasonFor(route, workers) : null;
  }

  start(): void {
    const tick = () => void this.read().catch((error: Error) => this.warn(error));
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

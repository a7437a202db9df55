import type { Logger } from "@converter/shared/logger";
import { throttledWarning } from "@converter/shared/logger";
import {
  freeSlots,
  hasNvenc,
  readWorkerHeartbeats,
  routeQueueName,
  type WorkerHeartbeat,
} from "@converter/shared/queue";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/**
 * How a worker without NVENC lets `gpu-preferred` jobs go to a GPU worker
 * that is idle (ADR 0016). Every intervalMs it reads the live heartbeats
 * and the route's waiting jobs; it steps back while GPU workers that take
 * the route have at least as many free slots as there are jobs waiting, so
 * it never leaves a job waiting that no GPU would start at once. A GPU
 * worker that stops beating stops counting within its heartbeat's expiry.
 */
export class GpuPreference {
  private stepBack = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Queue;
  private readonly warn: (error: Error) => void;

  constructor(private readonly deps: { connection: Redis; queueName: string; workerName: string; log: Logger }) {
    this.queue = new Queue(routeQueueName(deps.queueName, "gpu-preferred"), { connection: deps.connection });
    this.warn = throttledWarning(deps.log, "could not read the GPU workers' heartbeats (retrying)");
  }

  /** Whether to leave the route's waiting jobs to an idle GPU worker now. */
  shouldStepBack(): boolean {
    return this.stepBack;
  }

  async refresh(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // A Redis that does not answer must not hold the worker's start or its view: take the work then.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the fleet's heartbeats did not answer within 2 s")), 2000);
    });
    try {
      await Promise.race([this.read(), late]);
    } catch (error) {
      this.stepBack = false;
      this.warn(error as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Without the fleet's view (see refresh) the worker takes the work: a job must never wait on a guess. */
  private async read(): Promise<void> {
    const idle = (await this.liveBeats())
      .filter((beat) => beat.name !== this.deps.workerName && hasNvenc(beat))
      .filter((beat) => beat.routes?.includes("gpu-preferred"))
      .reduce((sum, beat) => sum + freeSlots(beat), 0);
    const counts = idle > 0 ? await this.queue.getJobCounts("waiting", "prioritized") : {};
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    this.stepBack = idle > 0 && waiting <= idle;
  }

  /** Refreshes every intervalMs; resolves once the first view is in, so no job is claimed before it. */
  start(intervalMs: number, onChange: () => void): Promise<void> {
    const tick = async () => {
      await this.refresh();
      onChange();
    };
    this.timer = setInterval(() => void tick(), intervalMs);
    this.timer.unref();
    return tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.close().catch(() => undefined);
  }

  private liveBeats(): Promise<WorkerHeartbeat[]> {
    return readWorkerHeartbeats(this.deps.connection, this.deps.queueName);
  }
}

import type { Logger } from "@converter/shared/logger";
import { type ConvertJobData, type ConvertJobReturn, type JobRoute, routeQueueName } from "@converter/shared/queue";
import type { Processor } from "bullmq";
import type { Redis } from "ioredis";
import type { NvencSessions } from "../capabilities/nvenc-sessions.js";
import { GatedWorker } from "./gated-worker.js";
import { GpuPreference } from "./gpu-preference.js";
import { JobSlots } from "./job-slots.js";
import { isGpuWorker } from "./served-routes.js";

export type RouteConsumerDeps = {
  connection: Redis;
  queueName: string;
  workerName: string;
  concurrency: number;
  encoders: Record<string, boolean>;
  maxStalledCount: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  log: Logger;
  /** How often a worker without NVENC re-reads whether a GPU worker is idle. */
  preferenceIntervalMs?: number;
};

export type RouteConsumers = {
  workers: GatedWorker<ConvertJobData, ConvertJobReturn>[];
  /** Starts taking jobs once the fleet's view is in; resolves when every route's loop runs. */
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * One BullMQ worker per route (ADR 0016), all sharing the process's job
 * slots. The NVENC routes stay closed while every NVENC session is in use;
 * `gpu-preferred` stays closed on a worker without NVENC while a GPU worker
 * has a free slot for what waits there.
 */
export function createRouteConsumers(
  deps: RouteConsumerDeps,
  routes: JobRoute[],
  nvenc: NvencSessions,
  processor: Processor<ConvertJobData, ConvertJobReturn>,
): RouteConsumers {
  const preference =
    routes.includes("gpu-preferred") && !isGpuWorker(deps.encoders) ? new GpuPreference(deps) : undefined;
  const slots = new JobSlots(deps.concurrency, routes, (route) => {
    if (route.endsWith("_nvenc")) return nvenc.hasFree();
    return route !== "gpu-preferred" || !preference?.shouldStepBack();
  });
  nvenc.onRelease(() => slots.recheck());
  const options = {
    connection: deps.connection,
    concurrency: deps.concurrency,
    name: deps.workerName,
    maxStalledCount: deps.maxStalledCount,
    lockDuration: deps.lockDurationMs,
    stalledInterval: deps.stalledIntervalMs,
  };
  const workers = routes.map(
    (route) =>
      new GatedWorker<ConvertJobData, ConvertJobReturn>(
        routeQueueName(deps.queueName, route),
        processor,
        options,
        route,
        slots,
      ),
  );
  const intervalMs = deps.preferenceIntervalMs ?? 1000;
  return {
    workers,
    async start() {
      slots.start(intervalMs);
      // Jobs are taken only once the fleet's view is in, so a GPU worker's idle slot is never missed at start.
      await preference?.start(intervalMs, () => slots.recheck());
      for (const worker of workers) {
        void worker.run().catch((error) => deps.log.error({ err: error, route: worker.route }, "worker loop stopped"));
      }
    },
    async stop() {
      slots.stop();
      await preference?.stop();
    },
  };
}

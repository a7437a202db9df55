import type { Logger } from "@converter/shared/logger";
import { type WorkerHeartbeat, workerHeartbeatKey } from "@converter/shared/queue";
import type { Redis } from "ioredis";

/**
 * Every intervalMs, writes what this worker is (its measured encoders, its
 * load) under a key that expires after three missed beats, so the API lists
 * only live workers. stop() removes the key at once.
 */
export function startHeartbeat(options: {
  connection: Redis;
  queueName: string;
  workerName: string;
  intervalMs: number;
  describe: () => WorkerHeartbeat;
  log: Logger;
}): { stop(): Promise<void> } {
  const key = workerHeartbeatKey(options.queueName, options.workerName);
  let inFlight: Promise<unknown> = Promise.resolve();
  const beat = () => {
    inFlight = options.connection
      .set(key, JSON.stringify(options.describe()), "PX", options.intervalMs * 3)
      .catch((error: Error) => options.log.warn({ err: error.message }, "heartbeat failed"));
  };
  beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A beat still on its way would bring the key back after the delete.
      await inFlight;
      await options.connection.del(key).catch(() => undefined);
    },
  };
}

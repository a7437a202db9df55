import type { Logger } from "@converter/shared/logger";
import { removeWorkerHeartbeat, type WorkerHeartbeat, writeWorkerHeartbeat } from "@converter/shared/queue";
import type { Redis } from "ioredis";

/**
 * Every intervalMs, writes what this worker is (its measured capabilities,
 * its load) under a key that expires after three missed beats, so the API
 * lists only live workers. beatNow() writes at once (a job started or
 * ended: other workers route by free slots). stop() removes the key.
 */
export function startHeartbeat(options: {
  connection: Redis;
  queueName: string;
  workerName: string;
  intervalMs: number;
  describe: () => WorkerHeartbeat;
  log: Logger;
}): { beatNow(): void; stop(): Promise<void> } {
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const beat = () => {
    if (stopped) return;
    // One write at a time, in order: a slow earlier beat must not overwrite a later one.
    inFlight = inFlight.then(() =>
      writeWorkerHeartbeat(
        options.connection,
        options.queueName,
        options.workerName,
        JSON.stringify(options.describe()),
        options.intervalMs * 3,
      ).catch((error: Error) => options.log.warn({ err: error.message }, "heartbeat failed")),
    );
  };
  beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    beatNow: beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      // A beat still on its way would bring the key back after the delete.
      await inFlight;
      await removeWorkerHeartbeat(options.connection, options.queueName, options.workerName).catch(() => undefined);
    },
  };
}

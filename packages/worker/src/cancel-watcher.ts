import { type Logger, throttledWarning } from "@converter/shared/logger";
import { cancelChannel, cancelMarkerKey } from "@converter/shared/queue";
import type { Redis } from "ioredis";

export type CancelWatcherDeps = {
  /** A connection of its own (closed by close()): once subscribed, it can run no other command. */
  subscriber: Redis;
  /** For reading the durable markers. */
  connection: Redis;
  queueName: string;
  /**
   * The jobs this worker is running now, by the id a cancel names (kept up
   * to date by the worker): a segmented job's children answer to their
   * parent's id (ADR 0026).
   */
  running: { has(jobId: string): boolean; ids(): string[] };
  /** Stops one of this worker's jobs. */
  cancel: (jobId: string) => void;
  log: Logger;
  pollIntervalMs?: number;
};

export type CancelWatcher = {
  isCancelRequested(jobId: string): Promise<boolean>;
  close(): Promise<void>;
};

/**
 * Hears cancel requests for jobs this worker runs, wherever the API that
 * took them runs. The pub/sub message makes a cancel take effect at once;
 * the durable marker, polled for every running job, covers the messages a
 * worker cannot hear (its subscriber was reconnecting, the job was picked up
 * after the message was sent).
 */
export function watchCancelRequests(deps: CancelWatcherDeps): CancelWatcher {
  const channel = cancelChannel(deps.queueName);
  const cancelIfActive = (jobId: string, via: string) => {
    if (!deps.running.has(jobId)) return;
    deps.log.info({ job_id: jobId, via }, "cancel requested: stopping the job");
    deps.cancel(jobId);
  };

  deps.subscriber.on("message", (from: string, jobId: string) => {
    if (from === channel) cancelIfActive(jobId, "message");
  });
  // ioredis subscribes again by itself after a reconnect.
  deps.subscriber.subscribe(channel).catch(throttledWarning(deps.log, "could not subscribe to cancel requests"));

  const isCancelRequested = async (jobId: string) =>
    (await deps.connection.exists(cancelMarkerKey(deps.queueName, jobId))) === 1;

  const warnPoll = throttledWarning(deps.log, "could not read cancel markers (retrying)");
  const poll = async () => {
    const ids = deps.running.ids();
    if (ids.length === 0) return;
    try {
      const found = await Promise.all(ids.map((id) => isCancelRequested(id)));
      ids.forEach((id, i) => {
        if (found[i]) cancelIfActive(id, "marker");
      });
    } catch (error) {
      warnPoll(error as Error);
    }
  };
  const timer = setInterval(() => void poll(), deps.pollIntervalMs ?? 2000);
  timer.unref();

  return {
    async isCancelRequested(jobId) {
      try {
        return await isCancelRequested(jobId);
      } catch {
        // Redis is away: the run goes on, and the poll stops it once the marker can be read.
        return false;
      }
    },
    async close() {
      clearInterval(timer);
      await deps.subscriber.unsubscribe(channel).catch(() => undefined);
      deps.subscriber.disconnect();
    },
  };
}

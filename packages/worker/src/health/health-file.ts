import { stat, writeFile } from "node:fs/promises";
import { type Logger, throttledWarning } from "@converter/shared/logger";
import { workerHeartbeatKey } from "@converter/shared/queue";
import type { Redis } from "ioredis";

/** How often the file is rewritten: as often as the worker's Redis heartbeat (worker.ts). */
export const HEALTH_FILE_INTERVAL_MS = 10_000;
/** Three missed rewrites, as the heartbeat key's TTL: the API stops listing the worker then too. */
export const HEALTH_FILE_MAX_AGE_MS = 3 * HEALTH_FILE_INTERVAL_MS;

export type HealthFileOptions = {
  file: string;
  /** Whether the worker is alive right now; the file is rewritten only when it says so. */
  isAlive: () => Promise<boolean>;
  log: Logger;
  intervalMs?: number;
};

/**
 * The worker's side of its container health check. Docker runs the check as
 * a new process that cannot ask the worker anything, so the worker rewrites a
 * file while it is alive and the check reads the file's age. A worker whose
 * event loop is stuck, or that stopped heartbeating, leaves the file to age.
 */
export function startHealthFile(options: HealthFileOptions): { stop(): void } {
  const warn = throttledWarning(options.log, "could not write the worker's health file");
  const tick = async () => {
    const alive = await options.isAlive().catch(() => false);
    if (alive) await writeFile(options.file, `${new Date().toISOString()}\n`).catch(warn);
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? HEALTH_FILE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * main.ts's one call: when WORKER_HEALTH_FILE is set, "alive" means this
 * worker's heartbeat key is live in Redis, i.e. GET /health lists it.
 */
export function startWorkerHealthFile(
  config: { healthFile: string | undefined; queueName: string; workerName: string },
  connection: Redis,
  log: Logger,
): { stop(): void } | undefined {
  if (!config.healthFile) return undefined;
  const key = workerHeartbeatKey(config.queueName, config.workerName);
  return startHealthFile({ file: config.healthFile, log, isAlive: async () => (await connection.pttl(key)) > 0 });
}

export type HealthVerdict = { healthy: boolean; message: string };

/** What the health check decides from the file's age. */
export async function readHealthFile(
  file: string,
  maxAgeMs = HEALTH_FILE_MAX_AGE_MS,
  now = Date.now(),
): Promise<HealthVerdict> {
  let modifiedMs: number;
  try {
    modifiedMs = (await stat(file)).mtimeMs;
  } catch {
    return { healthy: false, message: `no health file at ${file}: the worker has not heartbeated yet` };
  }
  const ageSeconds = Math.max(0, Math.round((now - modifiedMs) / 1000));
  if (now - modifiedMs <= maxAgeMs) return { healthy: true, message: `heartbeat ${ageSeconds} s ago` };
  return {
    healthy: false,
    message: `last heartbeat ${ageSeconds} s ago (limit ${maxAgeMs / 1000} s): the worker is stuck or cut off from Redis`,
  };
}

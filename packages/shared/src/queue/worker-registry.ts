import { workerHeartbeatKey, workerIndexKey } from "./queue-keys.js";
import { parseWorkerHeartbeat, type WorkerHeartbeat } from "./worker-heartbeat.js";

/**
 * How far an index entry may lag its heartbeat key: a name is read (and its
 * key looked at) for this long after the expiry its writer's clock gave it,
 * so clocks that disagree between hosts cannot hide a live worker; the key's
 * own expiry, on Redis's clock, decides whether it is live.
 */
const CLOCK_SKEW_MARGIN_MS = 60_000;

/** The Redis commands a heartbeat writer uses (ioredis' Redis has them). */
export type HeartbeatWriter = {
  set(key: string, value: string, px: "PX", ms: number): Promise<unknown>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zremrangebyscore(key: string, min: string, max: number): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<unknown>;
};

/** The Redis commands a heartbeat reader uses. */
export type HeartbeatReader = {
  zrangebyscore(key: string, min: number, max: string): Promise<string[]>;
  mget(keys: string[]): Promise<(string | null)[]>;
};

/**
 * Writes a worker's heartbeat under its own key, expiring after `ttlMs`, and
 * lists its name in the queue's worker index. Finding heartbeats by SCAN
 * cost one round trip per 100 keys of the whole database on every read (a
 * few hundred with BullMQ's job keys beside them: issue 12); the index is
 * one read whatever else Redis holds. Entries far past their expiry are
 * pruned by every writer.
 */
export async function writeWorkerHeartbeat(
  redis: HeartbeatWriter,
  queueName: string,
  workerName: string,
  value: string,
  ttlMs: number,
  now = Date.now(),
): Promise<void> {
  await redis.set(workerHeartbeatKey(queueName, workerName), value, "PX", ttlMs);
  await redis.zadd(workerIndexKey(queueName), now + ttlMs, workerName);
  await redis.zremrangebyscore(workerIndexKey(queueName), "-inf", now - CLOCK_SKEW_MARGIN_MS);
}

/** Takes a stopping worker out of the fleet at once. */
export async function removeWorkerHeartbeat(redis: HeartbeatWriter, queueName: string, workerName: string) {
  await redis.del(workerHeartbeatKey(queueName, workerName));
  await redis.zrem(workerIndexKey(queueName), workerName);
}

/** Every live worker's heartbeat on this queue, sorted by name. */
export async function readWorkerHeartbeats(
  redis: HeartbeatReader,
  queueName: string,
  now = Date.now(),
): Promise<WorkerHeartbeat[]> {
  const names = await redis.zrangebyscore(workerIndexKey(queueName), now - CLOCK_SKEW_MARGIN_MS, "+inf");
  if (names.length === 0) return [];
  const values = await redis.mget(names.map((name) => workerHeartbeatKey(queueName, name)));
  return values
    .map(parseWorkerHeartbeat)
    .filter((beat): beat is WorkerHeartbeat => beat !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

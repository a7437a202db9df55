import { parseWorkerHeartbeat, type WorkerHeartbeat, workerHeartbeatPattern } from "@converter/shared/queue";
import type { Redis } from "ioredis";

/** Every live worker's heartbeat (keys expire after three missed beats), sorted by name. */
export async function readHeartbeats(redis: Redis, queueName: string): Promise<WorkerHeartbeat[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", workerHeartbeatPattern(queueName), "COUNT", 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .map(parseWorkerHeartbeat)
    .filter((beat): beat is WorkerHeartbeat => beat !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

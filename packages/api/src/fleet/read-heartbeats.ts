import { readWorkerHeartbeats, type WorkerHeartbeat } from "@converter/shared/queue";
import type { Redis } from "ioredis";

/** Every live worker's heartbeat (keys expire after three missed beats), sorted by name. */
export function readHeartbeats(redis: Redis, queueName: string): Promise<WorkerHeartbeat[]> {
  return readWorkerHeartbeats(redis, queueName);
}

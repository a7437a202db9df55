import { JOB_ROUTES, routeQueueName, webhookQueueName } from "@converter/shared/queue";
import { Redis } from "ioredis";

/**
 * Every Redis key a deployment on `queueName` leaves behind: BullMQ's keys
 * of each job route's queue (ADR 0016) and of its webhook queue, and the
 * converter's own (worker heartbeats, cancel markers).
 */
export function queueKeyPatterns(queueName: string): string[] {
  const routes = JOB_ROUTES.map((route) => `bull:${routeQueueName(queueName, route)}:*`);
  return [...routes, `bull:${webhookQueueName(queueName)}:*`, `converter:${queueName}:*`];
}

/**
 * Deletes the keys of a private queue once its api and workers are stopped
 * (SCAN, never KEYS, so a busy shared Redis is not blocked); resolves with how
 * many were deleted. Only for queue names of one's own: it deletes whatever matches.
 */
export async function deleteQueueKeys(redisUrl: string, queueName: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: true });
  // Reported by the failing command instead; without a listener ioredis prints it.
  redis.on("error", () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    for (const pattern of queueKeyPatterns(queueName)) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== "0");
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Default BullMQ queue name; tests pass their own so runs never collide. */
export const DEFAULT_QUEUE_NAME = "conversions";

/** Redis key under which a worker heartbeats its measured capabilities. */
export function workerHeartbeatKey(queueName: string, workerName: string): string {
  return `converter:${queueName}:workers:${workerName}`;
}
export function workerHeartbeatPattern(queueName: string): string {
  return `converter:${queueName}:workers:*`;
}

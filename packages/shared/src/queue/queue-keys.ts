/** Default BullMQ queue name; tests pass their own so runs never collide. */
export const DEFAULT_QUEUE_NAME = "conversions";

/**
 * How long Redis keeps what a finished job leaves behind: BullMQ's record of
 * a failed job, and a cancel marker (so a stalled job picked up late still
 * finds it). SQLite keeps the job's own record for good.
 */
export const FAILED_JOB_RETENTION_SECONDS = 30 * 24 * 3600;

/** Redis key under which a worker heartbeats its measured capabilities. */
export function workerHeartbeatKey(queueName: string, workerName: string): string {
  return `converter:${queueName}:workers:${workerName}`;
}
/**
 * Sorted set of the worker names that heartbeat on this queue, each scored
 * with when its heartbeat expires: readers find the live heartbeats here
 * instead of scanning the whole keyspace (worker-registry.ts).
 */
export function workerIndexKey(queueName: string): string {
  return `converter:${queueName}:worker-index`;
}

/** Channel on which the API tells every worker to stop a job (the message is the job id). */
export function cancelChannel(queueName: string): string {
  return `converter:${queueName}:cancel`;
}
/**
 * Durable cancel marker: a worker that missed the message (reconnecting,
 * picking up a stalled job later) still finds it.
 */
export function cancelMarkerKey(queueName: string, jobId: string): string {
  return `converter:${queueName}:cancel:${jobId}`;
}
/** BullMQ queue that delivers webhooks, beside the conversion queue. */
export function webhookQueueName(queueName: string): string {
  return `${queueName}-webhooks`;
}

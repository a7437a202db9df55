import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { withTimeout } from "../with-timeout.js";

/** How long one Redis operation of the API may take before the caller is told Redis is unreachable. */
export const QUEUE_OP_TIMEOUT_MS = 5000;

/** Throws at once when the API's command connection is not ready (it does not queue commands). */
export function ensureReady(connection: Redis): void {
  if (connection.status !== "ready") throw new Error(`redis connection is ${connection.status}`);
}

/**
 * Adds a job under a known id, or fails within QUEUE_OP_TIMEOUT_MS. BullMQ
 * waits for a connection that is down instead of failing, so a job would be
 * added "later", behind the back of a caller that was told it failed: the
 * add is refused while the connection is not ready, and an add that lands
 * after the timeout is taken back.
 */
export async function addPromptly(
  queue: Pick<Queue, "name" | "remove">,
  connection: Redis,
  jobId: string,
  add: () => Promise<unknown>,
): Promise<void> {
  ensureReady(connection);
  const adding = add();
  try {
    await withTimeout(adding, QUEUE_OP_TIMEOUT_MS, `add to ${queue.name}`);
  } catch (error) {
    adding.then(() => queue.remove(jobId)).catch(() => undefined);
    throw error;
  }
}

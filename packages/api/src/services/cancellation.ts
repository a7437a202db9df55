import { setTimeout as sleep } from "node:timers/promises";
import { CANCELLED_BY_CLIENT, isTerminal, type JobView } from "@converter/shared/jobs";
import type { RemoveOutcome } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";
import { finishedError, queueUnreachableError } from "./job-errors.js";
import type { JobServiceDeps } from "./service-deps.js";

const CANCEL_POLL_MS = 100;
const DEFAULT_CANCEL_WAIT_MS = 10_000;

/**
 * Cancels a queued or running job. A queued one is taken off the queue
 * here; a running one is stopped by the worker that holds it, on whatever
 * node, which this waits for (up to cancelWaitMs) so the answer can say
 * `cancelled` and mean that its ffmpeg is gone. The durable marker makes
 * any later run of the job end at once, so the job is recorded cancelled
 * even when no worker confirms in time.
 */
export async function cancelJob(
  deps: JobServiceDeps,
  store: JobStore,
  read: (jobId: string) => JobView,
  jobId: string,
): Promise<JobView> {
  const job = read(jobId);
  if (isTerminal(job.status)) throw finishedError(job);
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  store.markCancelRequested(jobId, now());
  let found: RemoveOutcome;
  try {
    await deps.queue.requestCancel(jobId);
    found = await deps.queue.removeUnlessActive(jobId);
  } catch (cause) {
    throw queueUnreachableError("the job was not cancelled", cause);
  }
  const waitUntilFinished = () => waitForEnd(read, jobId, deps.cancelWaitMs ?? DEFAULT_CANCEL_WAIT_MS);
  if (found === "finished") {
    // It ended on the worker a moment ago; the events consumer is recording how.
    throw finishedError(await waitUntilFinished());
  }
  if (found === "active") {
    const settled = await waitUntilFinished();
    if (settled.status === "cancelled") return settled;
    // It completed or failed before the worker heard of the cancel.
    if (isTerminal(settled.status)) throw finishedError(settled);
  }
  store.markFailed(jobId, CANCELLED_BY_CLIENT, now(), undefined);
  const after = read(jobId);
  if (after.status !== "cancelled") throw finishedError(after);
  await deps.webhooks?.jobFinished(jobId);
  return after;
}

async function waitForEnd(read: (jobId: string) => JobView, jobId: string, ms: number): Promise<JobView> {
  const deadline = Date.now() + ms;
  let job = read(jobId);
  while (!isTerminal(job.status) && Date.now() < deadline) {
    await sleep(CANCEL_POLL_MS);
    job = read(jobId);
  }
  return job;
}

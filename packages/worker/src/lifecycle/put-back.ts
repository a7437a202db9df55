import type { Job } from "bullmq";
import { DelayedError } from "bullmq";
import { transient } from "./job-failure.js";

/**
 * Hands the job back to its queue for `delayMs` without spending an
 * attempt (BullMQ's moveToDelayed with its DelayedError): for a run that
 * could not start here for want of a resource another moment or another
 * worker has, such as an NVENC session (docs/adr/0017-gpu-pipeline.md).
 * When Redis does not take it back, a transient failure retries it instead.
 */
export async function putBack(
  run: { job: Job; token: string | undefined },
  delayMs: number,
  why: string,
): Promise<never> {
  await run.job.log(`handed back to the queue for ${Math.round(delayMs / 1000)} s: ${why}`).catch(() => undefined);
  if (run.token) {
    try {
      await run.job.moveToDelayed(Date.now() + delayMs, run.token);
      throw new DelayedError();
    } catch (error) {
      if (error instanceof DelayedError) throw error;
    }
  }
  throw transient("gpu_unavailable", `${why}; the job will be retried`);
}

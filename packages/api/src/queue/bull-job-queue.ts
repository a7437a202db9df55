import { cancelChannel, cancelMarkerKey, FAILED_JOB_RETENTION_SECONDS } from "@converter/shared/queue";
import { FlowProducer } from "bullmq";
import type { Redis } from "ioredis";
import { withTimeout } from "../with-timeout.js";
import { addPromptly, ensureReady, QUEUE_OP_TIMEOUT_MS } from "./add-promptly.js";
import { type ConversionQueue, type JobQueue, toBullPriority } from "./conversion-queue.js";
import { ConversionQueues } from "./conversion-queues.js";
import { segmentedFlow } from "./segmented-flow.js";

/** Where a job is, in whichever route's queue holds it: one look at every queue at once. */
async function findAnywhere(queues: ConversionQueues, jobId: string) {
  const found = await Promise.all(queues.all().map(async (queue) => ({ queue, job: await queue.getJob(jobId) })));
  return found.find((f) => f.job !== undefined);
}

/**
 * The JobQueue over the queues of every route (ADR 0016). A job goes to the
 * queue of its route; cancel and retry find it in whichever queue holds it.
 * The cancel channel and markers stay one per QUEUE_NAME: every worker
 * hears every cancel, whatever queue the job came from.
 */
export function bullJobQueue(queues: ConversionQueues | ConversionQueue, connection: Redis): JobQueue {
  const all = queues instanceof ConversionQueues ? queues : ConversionQueues.single(queues);
  const base = all.base;
  const flows = new FlowProducer({ connection });
  const read = <T>(promise: Promise<T>) => withTimeout(promise, QUEUE_OP_TIMEOUT_MS, "read");
  const clearCancel = (jobId: string) =>
    withTimeout(connection.del(cancelMarkerKey(base.name, jobId)), QUEUE_OP_TIMEOUT_MS, "cancel clear");
  const jobQueue: JobQueue = {
    async requeue(data, priority) {
      ensureReady(connection);
      const found = await read(all.locate(data.job_id, data.options));
      if (!found) {
        await clearCancel(data.job_id);
        await jobQueue.enqueue(data, priority);
        return "queued";
      }
      const state = await read(found.job.getState());
      // The marker must outlive a run that is still stopping: it is what ends that run.
      if (state === "active") return "active";
      // A segmented job whose flow has not ended yet (a child still stopping, the parent about to take its
      // child's failure) is still stopping too.
      if (data.segments && state !== "failed" && state !== "completed") return "active";
      if (data.segments) {
        // A flow is queued again whole: its parts are gone with the run that ended (ADR 0026).
        // BullMQ refuses while a child still runs (a cancelled one stopping): that is "active" too.
        const removed = await withTimeout(
          found.job.remove({ removeChildren: true }).then(
            () => true,
            (error: Error) => {
              if (/locked/.test(error.message)) return false;
              throw error;
            },
          ),
          QUEUE_OP_TIMEOUT_MS,
          "remove",
        );
        if (!removed) return "active";
        await clearCancel(data.job_id);
        await jobQueue.enqueue(data, priority);
        return "queued";
      }
      await clearCancel(data.job_id);
      if (state === "failed" || state === "completed") {
        // Retried in place, not removed and added: a removal would read as an operator's cancel.
        await withTimeout(
          found.job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true }),
          QUEUE_OP_TIMEOUT_MS,
          "retry",
        );
      }
      return "queued";
    },
    async requestCancel(jobId) {
      ensureReady(connection);
      await withTimeout(
        connection
          .multi()
          .set(cancelMarkerKey(base.name, jobId), new Date().toISOString(), "EX", FAILED_JOB_RETENTION_SECONDS)
          .publish(cancelChannel(base.name), jobId)
          .exec(),
        QUEUE_OP_TIMEOUT_MS,
        "cancel request",
      );
    },
    async removeUnlessActive(jobId) {
      ensureReady(connection);
      const found = await read(findAnywhere(all, jobId));
      if (!found?.job) return "missing";
      const state = await read(found.job.getState());
      // remove() would delete a finished job's record too, before the API recorded how it ended.
      if (state === "completed" || state === "failed") return "finished";
      if (state === "active") return "active";
      // remove() refuses a locked job: one a worker took since the state was read.
      const removed = await withTimeout(found.queue.remove(jobId), QUEUE_OP_TIMEOUT_MS, "remove");
      return removed === 1 ? "removed" : "active";
    },
    async enqueue(data, priority) {
      const queue = all.forOptions(data.options);
      if (data.segments) {
        await addPromptly(queue, connection, data.job_id, () => flows.add(segmentedFlow(data, all, priority)));
        return;
      }
      await addPromptly(queue, connection, data.job_id, () =>
        queue.add("convert", data, { jobId: data.job_id, priority: toBullPriority(priority) }),
      );
    },
  };
  return jobQueue;
}

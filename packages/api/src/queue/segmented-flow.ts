import {
  type ConvertJobData,
  segmentChildId,
  segmentOptions,
  segmentOutputPath,
  segmentRefs,
} from "@converter/shared/queue";
import type { FlowJob } from "bullmq";
import { JOB_OPTIONS, toBullPriority } from "./conversion-queue.js";
import type { ConversionQueues } from "./conversion-queues.js";

/**
 * A segmented job as one BullMQ flow (docs/adr/0026-split-and-parallel-encoding.md):
 * the parent, under the job's id in its route's queue, joins; its children
 * are the video segments (in the same route's queue, so any worker that can
 * run the job can run a segment) and the audio (in the base queue: any
 * worker). Each child has its own attempts, so a failed child retries alone;
 * one that fails for good fails the parent. A child answers to its parent's
 * cancel: its payload carries the parent's job id.
 */
export function segmentedFlow(data: ConvertJobData, queues: ConversionQueues, priority: number): FlowJob {
  const plan = data.segments;
  if (!plan) throw new Error("a segmented flow needs a segment plan");
  const bullPriority = toBullPriority(priority);
  return {
    name: "join",
    queueName: queues.forOptions(data.options).name,
    data,
    opts: { ...JOB_OPTIONS, jobId: data.job_id, priority: bullPriority },
    children: segmentRefs(plan).map((ref) => {
      const options = segmentOptions(data.options, plan, ref);
      const child: ConvertJobData = {
        job_id: data.job_id,
        input: data.input,
        output: segmentOutputPath(data.output, data.job_id, ref),
        preset: data.preset,
        options,
        // A retried child replaces its own part; segments are always encoded, never copied.
        overwrite: true,
        request_id: data.request_id,
        stream_copy: "never",
        segment: ref,
      };
      return {
        name: "segment",
        queueName: queues.forOptions(options).name,
        data: child,
        opts: {
          ...JOB_OPTIONS,
          jobId: segmentChildId(data.job_id, ref),
          priority: bullPriority,
          failParentOnFailure: true,
        },
      };
    }),
  };
}

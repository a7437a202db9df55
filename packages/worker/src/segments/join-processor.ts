import type { ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { admitJob } from "../lifecycle/admit-job.js";
import { asJobFailure } from "../lifecycle/convert-processor.js";
import { permanent } from "../lifecycle/job-failure.js";
import type { ProcessorDeps } from "../lifecycle/processor-deps.js";
import { joinSegments } from "./join-segments.js";

/**
 * Runs a segmented job's parent (ADR 0026): admitted like any job (payload,
 * cancel, paths, an output an earlier run published), then joined.
 */
export function createJoinProcessor(deps: ProcessorDeps) {
  return async function join(job: Job, token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    try {
      const admission = await admitJob(deps, job);
      if (admission.kind === "already_published") return admission.result;
      const plan = admission.job.data.segments;
      try {
        if (!plan) throw permanent("worker_error", "a join without a segment plan");
        return await joinSegments(deps, admission.job, plan, { job, token, signal });
      } finally {
        await admission.job.files.close();
      }
    } catch (error) {
      // As a single pass's: a filesystem refusal about the output as its failure, the rest retried without paths.
      throw asJobFailure(error, deps, job);
    }
  };
}

/** A segmented job's parent: it carries the plan and is not itself a segment. */
export function isJoin(job: Job): boolean {
  const data = job.data as { segments?: unknown; segment?: unknown } | undefined;
  return data?.segments !== undefined && data.segment === undefined;
}

import type { ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { admitJob } from "../lifecycle/admit-job.js";
import { isDecidedOutcome, permanent, transient } from "../lifecycle/job-failure.js";
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
      if (isDecidedOutcome(error)) throw error;
      deps.log.error({ err: error, job_id: job.id }, "unexpected error while joining segments");
      throw transient(
        "worker_error",
        error instanceof Error ? error.message.replaceAll(deps.mediaRoot, "") : String(error),
      );
    }
  };
}

/** A segmented job's parent: it carries the plan and is not itself a segment. */
export function isJoin(job: Job): boolean {
  const data = job.data as { segments?: unknown; segment?: unknown } | undefined;
  return data?.segments !== undefined && data.segment === undefined;
}

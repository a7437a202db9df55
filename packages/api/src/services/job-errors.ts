import { AppError } from "@converter/shared/errors";
import type { JobView } from "@converter/shared/jobs";

/** What a client is told to wait when the queue is full (the Retry-After header). */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 30;

export function finishedError(job: JobView): AppError {
  return new AppError("job_finished", `job ${job.job_id} already ended ${job.status}; there is nothing to cancel`, {
    status: job.status,
  });
}

export function outputBusyError(conflictingJobId: string, output: string): AppError {
  return new AppError("output_exists", `job ${conflictingJobId} is already writing ${output}`, {
    field: "output",
    job_id: conflictingJobId,
  });
}

export function queueFullError(maxQueuedJobs: number): AppError {
  return new AppError("queue_full", `${maxQueuedJobs} jobs are already waiting (MAX_QUEUED_JOBS); retry later`, {
    retry_after_seconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
  });
}

export function queueUnreachableError(what: string, cause: unknown): AppError {
  return new AppError("redis_unavailable", `the job queue is unreachable; ${what}`, { cause });
}

export function jobNotFoundError(jobId: string): AppError {
  return new AppError("job_not_found", `no job with id ${jobId}`);
}

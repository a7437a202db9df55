import { JobError } from "../jobs/job-outcome.js";

/**
 * A job's failure travels from the worker to the API in BullMQ's
 * `failedReason`, the only field BullMQ keeps of a failure, which is the
 * thrown error's message. The worker writes the JobError there as JSON and
 * the API reads it back through the same schema.
 */
export function encodeFailure(failure: JobError): string {
  return JSON.stringify({ code: failure.code, message: failure.message });
}

/**
 * The failure a worker encoded, or a `worker_error` carrying the text when
 * the reason is not one (BullMQ's own reasons, such as a job that stalled
 * more often than allowed).
 */
export function decodeFailure(reason: string | undefined): JobError {
  const text = reason ?? "";
  if (text.startsWith("{")) {
    try {
      const parsed = JobError.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON after all: shown as it is, below.
    }
  }
  return { code: "worker_error", message: text || "the worker failed without a reason" };
}

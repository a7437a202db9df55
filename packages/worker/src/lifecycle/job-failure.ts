import type { ErrorCode } from "@converter/shared/errors";
import type { JobError } from "@converter/shared/jobs";
import { encodeFailure } from "@converter/shared/queue";
import { DelayedError, UnrecoverableError, WaitingError } from "bullmq";

/**
 * A failure no other attempt can fix (bad media, a path outside the media
 * root, a client's cancel). BullMQ fails the job at once because it is an
 * UnrecoverableError; the API reads the failure back from its message.
 */
export class PermanentFailure extends UnrecoverableError {
  constructor(readonly failure: JobError) {
    super(encodeFailure(failure));
  }
}

/** A failure another attempt may fix (the worker was stopping, a transient I/O error): BullMQ retries it. */
export class TransientFailure extends Error {
  constructor(readonly failure: JobError) {
    super(encodeFailure(failure));
  }
}

export const permanent = (code: ErrorCode, message: string) => new PermanentFailure({ code, message });
export const transient = (code: ErrorCode, message: string) => new TransientFailure({ code, message });

/**
 * An outcome the lifecycle decided on and stated for the client, as opposed
 * to a bug or the machine's trouble (which the processor reports as a
 * retryable worker_error without this node's details).
 */
export function isDecidedOutcome(error: unknown): boolean {
  return (
    error instanceof PermanentFailure ||
    error instanceof TransientFailure ||
    error instanceof WaitingError ||
    error instanceof DelayedError
  );
}

/** The JobError a failure carries, for the worker's own log line. */
export function failureOf(error: unknown): JobError | undefined {
  return error instanceof PermanentFailure || error instanceof TransientFailure ? error.failure : undefined;
}

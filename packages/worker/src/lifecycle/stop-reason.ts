/**
 * Why a run is stopped before its ffmpeg finished, as passed to BullMQ's
 * cancelJob (which hands it to the processor's AbortSignal) or to the run's
 * own abort. The text is what the job log says.
 */
export const STOP_REASONS = {
  shutdown: "worker shutting down",
  lost_lock: "the worker lost the job's lock",
  cancelled: "cancelled by a client request",
  stalled: "ffmpeg stopped making progress",
  input_rejected: "the input probe rejected the input",
} as const;
export type StopReason = keyof typeof STOP_REASONS;

/** The StopReason an AbortSignal carries, or undefined for anything else (an abort nobody here asked for). */
export function stopReasonOf(reason: unknown): StopReason | undefined {
  return typeof reason === "string" && Object.hasOwn(STOP_REASONS, reason) ? (reason as StopReason) : undefined;
}

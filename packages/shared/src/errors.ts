import { z } from "zod";

/**
 * Every error code a client can see, in the API's error shape or in a job's
 * `error.code`. Codes are part of the contract (docs/design.md §3): add,
 * never rename.
 */
export const ERROR_CODES = [
  // request errors (HTTP)
  "invalid_json",
  "unauthorized",
  "not_found",
  "job_not_found",
  "input_not_found",
  "output_exists",
  "payload_too_large",
  "validation_failed",
  "invalid_path",
  "unknown_preset",
  "queue_full",
  "redis_unavailable",
  "internal_error",
  "job_finished",
  "job_not_retryable",
  "idempotency_mismatch",
  // files over HTTP (uploads, downloads, probe, listings)
  "upload_too_large",
  "insufficient_storage",
  "upload_not_found",
  "upload_in_use",
  "upload_conflict",
  "invalid_upload",
  "job_not_completed",
  "output_gone",
  "range_not_satisfiable",
  "folder_not_found",
  // split-and-parallel encoding (docs/adr/0026-split-and-parallel-encoding.md)
  "segments_unsupported",
  // requests refused for where they come from (docs/adr/0019-origin-and-host-policy.md), and dashboard actions the API owns
  "cross_origin_refused",
  "host_not_allowed",
  "dashboard_action_disabled",
  // answered by the HTTP server itself, before a request reaches a route
  "bad_request",
  "header_too_large",
  "request_timeout",
  // job errors (in a job's `error`)
  "invalid_media",
  "ffmpeg_failed",
  "gpu_unavailable",
  "cancelled",
  "worker_error",
  "ffmpeg_stalled",
  // the disk the output is written to is full (transient: retried, and retriable by a client)
  "disk_full",
  // hostile-input limits (docs/adr/0007-hostile-input.md): each message names the limit's variable
  "input_too_large",
  "input_limit_exceeded",
  "output_too_large",
  "job_timeout",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS_OF: Partial<Record<ErrorCode, number>> = {
  invalid_json: 400,
  unauthorized: 401,
  not_found: 404,
  job_not_found: 404,
  input_not_found: 404,
  output_exists: 409,
  job_finished: 409,
  job_not_retryable: 409,
  idempotency_mismatch: 422,
  payload_too_large: 413,
  validation_failed: 422,
  invalid_path: 422,
  unknown_preset: 422,
  queue_full: 429,
  redis_unavailable: 503,
  input_too_large: 422,
  upload_too_large: 413,
  insufficient_storage: 507,
  upload_not_found: 404,
  upload_in_use: 409,
  upload_conflict: 409,
  invalid_upload: 400,
  job_not_completed: 409,
  output_gone: 410,
  range_not_satisfiable: 416,
  folder_not_found: 404,
  segments_unsupported: 422,
  // POST /probe: a file ffprobe cannot read; for a job it is the job's error instead.
  invalid_media: 422,
  cross_origin_refused: 403,
  host_not_allowed: 403,
  dashboard_action_disabled: 403,
  bad_request: 400,
  header_too_large: 431,
  request_timeout: 408,
};

/** The one error type of the project: a stable code plus a message safe to show. */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return HTTP_STATUS_OF[this.code] ?? 500;
  }
}

/** Expected outcomes are values, not exceptions (docs/conventions.md). */
export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** The one shape of every error answer of the API. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

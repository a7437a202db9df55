import type { ErrorBody, ErrorCode } from "@converter/shared/errors";

export type HttpErrorCode = Exclude<
  ErrorCode,
  | "ffmpeg_failed"
  | "gpu_unavailable"
  | "cancelled"
  | "worker_error"
  | "ffmpeg_stalled"
  | "disk_full"
  | "input_limit_exceeded"
  | "output_too_large"
  | "job_timeout"
>;

/**
 * What each error code of an HTTP answer looks like, for the OpenAPI
 * document's examples (one per code a response can carry). The messages are
 * the kind the API writes, not the exact words.
 */
const EXAMPLES: Record<HttpErrorCode, ErrorBody["error"]> = {
  invalid_json: { code: "invalid_json", message: "the request body is not valid JSON" },
  unauthorized: { code: "unauthorized", message: "missing or invalid X-API-Key" },
  not_found: { code: "not_found", message: "no route for GET /nope" },
  job_not_found: { code: "job_not_found", message: "no job 0192f3c4-5a6b-7c8d-9e0f-123456789abc" },
  input_not_found: { code: "input_not_found", message: "incoming/clip.mkv does not exist under MEDIA_ROOT" },
  output_exists: {
    code: "output_exists",
    message: "converted/clip.mp4 exists; send overwrite: true to replace it",
  },
  payload_too_large: { code: "payload_too_large", message: "the request body is larger than 65536 bytes" },
  segments_unsupported: {
    code: "segments_unsupported",
    message: "options.segments needs an encoded video stream: this job copies or drops its video",
    details: { field: "options.segments" },
  },
  validation_failed: {
    code: "validation_failed",
    message: "options.crf: Too big: expected number to be <=63",
    details: { field: "options.crf" },
  },
  invalid_path: { code: "invalid_path", message: "../etc/passwd leads outside MEDIA_ROOT" },
  unknown_preset: { code: "unknown_preset", message: "no preset h265-9k; GET /presets lists them" },
  queue_full: {
    code: "queue_full",
    message: "1000 jobs are waiting (MAX_QUEUED_JOBS); try again later",
    details: { retry_after_seconds: 30 },
  },
  redis_unavailable: { code: "redis_unavailable", message: "Redis is unreachable" },
  internal_error: { code: "internal_error", message: "internal error" },
  job_finished: { code: "job_finished", message: "the job already ended (completed)" },
  job_not_retryable: { code: "job_not_retryable", message: "only a failed or cancelled job can run again" },
  idempotency_mismatch: {
    code: "idempotency_mismatch",
    message: "this Idempotency-Key was used with another body",
  },
  upload_too_large: {
    code: "upload_too_large",
    message: "the body is 2147483648 bytes; MAX_UPLOAD_BYTES allows 1073741824",
  },
  insufficient_storage: {
    code: "insufficient_storage",
    message: "the media root's disk would keep less than UPLOAD_MIN_FREE_BYTES",
  },
  upload_not_found: { code: "upload_not_found", message: "no upload 0192f3c4-5a6b-7c8d-9e0f-123456789abc" },
  upload_in_use: {
    code: "upload_in_use",
    message: "a queued or running job reads this upload",
    details: { job_id: "0192f3c4-5a6b-7c8d-9e0f-123456789abc" },
  },
  upload_conflict: { code: "upload_conflict", message: "Upload-Offset 100 is not where the upload stands (200)" },
  invalid_upload: { code: "invalid_upload", message: "the multipart body has no file part" },
  job_not_completed: {
    code: "job_not_completed",
    message: "the job is in_progress; its output is ready once it completed",
    details: { status: "in_progress" },
  },
  output_gone: { code: "output_gone", message: "the output was removed or replaced since the job wrote it" },
  range_not_satisfiable: {
    code: "range_not_satisfiable",
    message: "the file has 1048576 bytes; the range asked for starts past its end",
    details: { size_bytes: 1048576 },
  },
  folder_not_found: { code: "folder_not_found", message: "no folder incoming/old under MEDIA_ROOT" },
  invalid_media: { code: "invalid_media", message: "ffprobe cannot read incoming/notes.txt" },
  cross_origin_refused: {
    code: "cross_origin_refused",
    message: "a request from another origin (https://evil.example) may not change anything here",
  },
  host_not_allowed: {
    code: "host_not_allowed",
    message: "this API does not answer to the host name attacker.example; list it in ALLOWED_HOSTS, or set API_KEY",
  },
  dashboard_action_disabled: {
    code: "dashboard_action_disabled",
    message: "the dashboard cannot change jobs; use the API",
  },
  bad_request: { code: "bad_request", message: "the request could not be parsed" },
  header_too_large: { code: "header_too_large", message: "the request headers are too large" },
  request_timeout: { code: "request_timeout", message: "the request took too long to arrive" },
  input_too_large: {
    code: "input_too_large",
    message: "the input is 12884901888 bytes; MAX_INPUT_BYTES allows 10737418240",
  },
};

/** OpenAPI `examples` for an error response: one named after each code it can carry. */
export function errorExamples(codes: readonly HttpErrorCode[]) {
  return Object.fromEntries(codes.map((code) => [code, { summary: code, value: { error: EXAMPLES[code] } }]));
}

export function isHttpErrorCode(code: string): code is HttpErrorCode {
  return Object.hasOwn(EXAMPLES, code);
}

import { AppError, type ErrorBody, type ErrorCode } from "@converter/shared/errors";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../deps.js";

/** The one place an error becomes the contract's error shape (docs/design.md §3). */
export function errorResponse(c: Context<AppEnv>, error: AppError): Response {
  const { cause: _cause, ...details } = error.details ?? {};
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (Object.keys(details).length > 0) body.error.details = details;
  // queue_full errors carry how long to wait (services/job-errors.ts).
  if (error.code === "queue_full" && details.retry_after_seconds !== undefined) {
    c.header("Retry-After", String(details.retry_after_seconds));
  }
  // The rest of an oversized body is never read: the connection cannot be reused.
  if (error.code === "payload_too_large" || error.code === "upload_too_large") c.header("Connection", "close");
  return c.json(body, error.httpStatus as ContentfulStatusCode);
}

/** Framework errors (malformed JSON, wrong media type, body too large) in our words. */
function fromHttpException(error: HTTPException): AppError {
  const byStatus: Record<number, [ErrorCode, string]> = {
    400: ["invalid_json", "the request body is not valid JSON"],
    413: ["payload_too_large", "the request body is too large"],
    415: ["invalid_json", "the request body must be JSON (Content-Type: application/json)"],
    401: ["unauthorized", "authentication required"],
    404: ["not_found", "no such route"],
  };
  const [code, message] = byStatus[error.status] ?? ["internal_error", "the request could not be handled"];
  return new AppError(code, message);
}

export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof AppError) {
    if (error.httpStatus >= 500) c.get("log")?.warn({ err: error, code: error.code }, error.message);
    return errorResponse(c, error);
  }
  if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
  // Anything else is our bug: log it whole, tell the client nothing internal.
  c.get("log")?.error({ err: error }, "unhandled error");
  return errorResponse(c, new AppError("internal_error", "internal error"));
}

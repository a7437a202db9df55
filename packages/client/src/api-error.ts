import type { components } from "./generated/openapi.js";

/** The `error` of the API's one error shape. */
export type ApiErrorBody = components["schemas"]["Error"]["error"];
/** Every code an error answer can carry (the OpenAPI document's enum). */
export type ErrorCode = ApiErrorBody["code"];

/** An error answer of the API, with its stable code. */
export class ConverterApiError extends Error {
  override readonly name = "ConverterApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode | `http_${number}`,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** What every openapi-fetch call resolves to. */
type Answer = { data?: unknown; error?: unknown; response: Response };

const isErrorBody = (value: unknown): value is { error: ApiErrorBody } =>
  typeof value === "object" &&
  value !== null &&
  "error" in value &&
  typeof (value as { error: { code?: unknown } }).error?.code === "string";

/**
 * The data of a successful answer (undefined for one without a body, such as
 * 204); an error answer throws a `ConverterApiError` with its code.
 */
export async function unwrap<A extends Answer>(pending: Promise<A>): Promise<Exclude<A["data"], undefined>> {
  const answer = await pending;
  if (answer.response.ok) return answer.data as Exclude<A["data"], undefined>;
  const { status } = answer.response;
  if (isErrorBody(answer.error)) {
    const { code, message, details } = answer.error.error;
    throw new ConverterApiError(status, code, message, details);
  }
  throw new ConverterApiError(status, `http_${status}`, `HTTP ${status} ${answer.response.statusText}`.trim());
}

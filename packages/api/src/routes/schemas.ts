import { ErrorBody } from "@converter/shared/errors";
import { errorExamples, isHttpErrorCode } from "./error-examples.js";

/**
 * OpenAPI response entry for an error of the contract's shape. The codes are
 * the ones the description names in backticks, one example each; the OpenAPI
 * test checks every code's HTTP status is the response's.
 */
export const errorResponse = (description: string) => {
  const codes = [...description.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? "").filter(isHttpErrorCode);
  if (codes.length === 0) throw new Error(`an error response names no error code: ${description}`);
  return {
    description,
    content: { "application/json": { schema: ErrorBody, examples: errorExamples(codes) } },
  };
};

export const jsonContent = <T>(schema: T, description: string, example: unknown) => ({
  description,
  content: { "application/json": { schema, example } },
});

const internalError = {
  500: errorResponse("A bug of the service: logged whole, nothing internal told (`internal_error`)"),
};

/** What a route anyone may read can answer besides its own: a Host it does not answer to, a bug. */
export const publicErrors = {
  403: errorResponse(
    "While API_KEY is unset, a Host the API does not answer to (`host_not_allowed`, docs/adr/0019-origin-and-host-policy.md)",
  ),
  ...internalError,
};

/** What a route that changes nothing can answer besides its own: no key, a Host it does not answer to, a bug. */
export const readAuthErrors = {
  401: errorResponse("API_KEY is set and X-API-Key is missing or wrong (`unauthorized`)"),
  ...publicErrors,
};

/** What a route that changes something can answer besides its own; browsers' cross-origin writes are refused too. */
export const authErrors = {
  401: errorResponse("API_KEY is set and X-API-Key is missing or wrong (`unauthorized`)"),
  403: errorResponse(
    "Refused for where it comes from (docs/adr/0019-origin-and-host-policy.md): a write a browser sent from another " +
      "origin (`cross_origin_refused`), or, while API_KEY is unset, a Host the API does not answer to (`host_not_allowed`)",
  ),
  ...internalError,
};

import { ErrorBody } from "@converter/shared/errors";

/** OpenAPI response entry for an error of the contract's shape. */
export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBody } },
});

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const authErrors = {
  401: errorResponse("API_KEY is set and X-API-Key is missing or wrong (`unauthorized`)"),
  403: errorResponse(
    "Refused for where it comes from (docs/adr/0019-origin-and-host-policy.md): a write a browser sent from another " +
      "origin (`cross_origin_refused`), or, while API_KEY is unset, a Host the API does not answer to (`host_not_allowed`)",
  ),
};

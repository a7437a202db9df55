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

export const authErrors = { 401: errorResponse("API_KEY is set and X-API-Key is missing or wrong (`unauthorized`)") };

import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.js";

/** The API's typed client: every path, parameter, body and answer of the OpenAPI document. */
export type ConverterClient = Client<paths>;

/**
 * A client of one converter: `baseUrl` is where it answers
 * (`http://127.0.0.1:3000`), `apiKey` the server's API_KEY if it sets one.
 * Calls return `{ data, error, response }` (openapi-fetch); `unwrap` turns an
 * error answer into a `ConverterApiError`.
 */
export function createConverterClient(
  baseUrl: string,
  apiKey?: string,
  options: { fetch?: (request: Request) => Promise<Response> } = {},
): ConverterClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ""), ...options });
  if (apiKey) {
    client.use({
      onRequest({ request }) {
        request.headers.set("X-API-Key", apiKey);
        return request;
      },
    });
  }
  return client;
}

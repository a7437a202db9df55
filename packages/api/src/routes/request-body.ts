import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { Context } from "hono";
import type { AppEnv } from "../deps.js";
import { requestHeader } from "../middleware/request-header.js";

/**
 * The request body as a Node stream, for the routes that stream it to disk:
 * @hono/node-server's own IncomingMessage when the app is served (no hop
 * through web streams, and nothing read before the route decides), the web
 * body when the app is called in process (tests).
 */
export function requestBody(c: Context<AppEnv>): Readable {
  const incoming = c.env?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  return body ? Readable.fromWeb(body as NodeWebStream) : Readable.from([]);
}

/** The request's headers as Node writes them (lower-case names), for the multipart parser. */
export function requestHeaders(c: Context<AppEnv>): IncomingHttpHeaders {
  const incoming = c.env?.incoming;
  if (incoming) return incoming.headers;
  return Object.fromEntries(c.req.raw.headers.entries());
}

/** The announced body size; undefined when the client streams without one. */
export function contentLength(c: Context<AppEnv>): number | undefined {
  const value = Number(requestHeader(c, "content-length") ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export const isMultipart = (c: Context<AppEnv>) =>
  /^multipart\/form-data\b/i.test(requestHeader(c, "content-type") ?? "");

/** Form fields beside the file in a multipart body: few, and each at most MAX_BODY_BYTES. */
export const MAX_FORM_FIELDS = 20;

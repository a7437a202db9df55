import type { IncomingMessage } from "node:http";
import { AppError } from "@converter/shared/errors";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";

/**
 * The body of a JSON or form request, at most `maxBytes`, else
 * `413 payload_too_large`.
 *
 * Served by @hono/node-server, the body is read straight from Node's request
 * and handed to Hono's body cache, where its validators look first. Why
 * (issue 12's profile of POST /convert): reading it through `c.req.json()`
 * makes @hono/node-server build a whole WHATWG Request (its headers copied,
 * the socket wrapped in a web stream) for a body of a few hundred bytes.
 * Called in process (`app.request()`, the tests), Hono's own bodyLimit.
 */
export function smallBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new AppError("payload_too_large", `the request body is larger than ${maxBytes} bytes`);
  const inProcess = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.env?.incoming;
    if (!incoming || incoming.readableEnded || incoming.readableDidRead) return inProcess(c, next);
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const announced = Number(incoming.headers["content-length"]);
    if (announced > maxBytes) throw tooLarge();
    const bytes = await readAtMost(incoming, maxBytes, tooLarge);
    // What Request.text() gives: UTF-8, a leading BOM dropped, bad bytes replaced.
    // Hono keeps each body it read as a promise there, whatever its type says.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(new TextDecoder().decode(bytes));
    return next();
  });
}

/** The whole body, refused as soon as it passes `maxBytes` (a client may stream without announcing a length). */
function readAtMost(incoming: IncomingMessage, maxBytes: number, tooLarge: () => AppError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (error) {
        // Nothing more of it is wanted; Node closes the connection rather than read the rest.
        incoming.resume();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onError = () => settle(new AppError("bad_request", "the request body did not arrive in full"));
    const onAborted = onError;
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
}

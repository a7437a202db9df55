import { randomUUID } from "node:crypto";
import { REQUEST_ID_PATTERN } from "@converter/shared/ids";
import type { Logger } from "@converter/shared/logger";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";
import { requestHeader } from "./request-header.js";
import { nodeResponse } from "./response-headers.js";

/**
 * Gives every request an id (the client's X-Request-Id when it is sane, a new
 * one otherwise), echoes it, and logs one line per request with a child
 * logger that carries it.
 */
export function requestContext(log: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const requestId = requestIdFor(requestHeader(c, "x-request-id"));
    c.set("requestId", requestId);
    c.set("log", childOnFirstUse(log, { request_id: requestId }));
    // On Node's response when there is one: c.header would leave @hono/node-server's fast path (response-headers.ts).
    const outgoing = nodeResponse(c);
    if (outgoing) outgoing.setHeader("X-Request-Id", requestId);
    else c.header("X-Request-Id", requestId);
    const started = performance.now();
    await next();
    logRequestLine(log, requestId, c.req.method, c.req.path, c.res.status, started);
  });
}

/** The client's X-Request-Id when it is sane, a new one otherwise. */
export function requestIdFor(sent: string | undefined): string {
  return sent && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
}

/** One line per request at `info`; `started` is the request's `performance.now()`. */
export function logRequestLine(
  log: Logger,
  requestId: string,
  method: string,
  path: string,
  status: number,
  started: number,
): void {
  if (!log.isLevelEnabled("info")) return;
  // The base logger with the id first: the same line the child would print, without making one.
  log.info(
    { request_id: requestId, method, path, status, duration_ms: Math.round((performance.now() - started) * 10) / 10 },
    "request",
  );
}

/**
 * A child logger made when something first logs through it: a pino child
 * serialises its bindings when made (about 3 % of a `GET /`, issue 12's
 * profile), and most requests log nothing but their request line.
 */
export function childOnFirstUse(log: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const made = () => {
    child ??= log.child(bindings);
    return child;
  };
  return new Proxy(log, {
    get(_target, key) {
      const target = made();
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set: (_target, key, value) => Reflect.set(made(), key, value),
  });
}

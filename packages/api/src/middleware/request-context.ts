import { randomUUID } from "node:crypto";
import { REQUEST_ID_PATTERN } from "@converter/shared/ids";
import type { Logger } from "@converter/shared/logger";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";
import { nodeResponse } from "./response-headers.js";

/**
 * Gives every request an id (the client's X-Request-Id when it is sane, a new
 * one otherwise), echoes it, and logs one line per request with a child
 * logger that carries it.
 */
export function requestContext(log: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const sent = c.req.header("x-request-id");
    const requestId = sent && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
    const child = log.child({ request_id: requestId });
    c.set("requestId", requestId);
    c.set("log", child);
    // On Node's response when there is one: c.header would leave @hono/node-server's fast path (response-headers.ts).
    const outgoing = nodeResponse(c);
    if (outgoing) outgoing.setHeader("X-Request-Id", requestId);
    else c.header("X-Request-Id", requestId);
    const started = performance.now();
    await next();
    child.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "request",
    );
  });
}

import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import type { AppEnv } from "../deps.js";

/**
 * Node's own response object when the app runs under @hono/node-server;
 * undefined under `app.request()` (the in-process tests).
 *
 * Why it matters (issue 12's profile): a header set through Hono before the
 * answer exists (`c.header`), or on the answer afterwards (`c.res.headers`),
 * turns @hono/node-server's plain-object fast path into a WHATWG `Headers`
 * object, built and then copied header by header: about a third of the
 * middleware's cost per request. Headers set on Node's response instead are
 * merged by `writeHead`, with the route's own headers taking precedence.
 */
export function nodeResponse(c: Context<AppEnv>): ServerResponse | undefined {
  const outgoing = (c.env as Partial<AppEnv["Bindings"]> | undefined)?.outgoing;
  return outgoing && typeof outgoing.setHeader === "function" && !outgoing.headersSent ? outgoing : undefined;
}

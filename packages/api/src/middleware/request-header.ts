import type { Context } from "hono";
import type { AppEnv } from "../deps.js";

/**
 * One request header, read from Node's own request when the app runs under
 * @hono/node-server, from the WHATWG request otherwise (`app.request()` in
 * the in-process tests).
 *
 * Why it matters (issue 12's profile): `c.req.header()` under
 * @hono/node-server first builds a WHATWG `Headers` object of every header the
 * request carries, about 3 % of a `GET /` on its own, for the one or two each
 * middleware reads. Node has parsed them already. Both join a repeated header
 * with ", ", except the few Node keeps once (Host, Authorization, Content-Type
 * and the like), which a client may send only once anyway.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (incoming?.headers === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

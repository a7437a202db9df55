import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../deps.js";
import { DASHBOARD_PATH } from "../http-paths.js";
import { nodeResponse } from "./response-headers.js";

/**
 * Hono's secureHeaders on every answer (no framing, no MIME sniffing, no
 * referrer, same-origin resources and windows), without HSTS: the API
 * speaks plain HTTP, and TLS, where there is any, ends at a proxy that owns
 * that header.
 */
const SECURE_HEADER_OPTIONS = { xFrameOptions: "DENY", strictTransportSecurity: false } as const;
const baseHeaders = secureHeaders(SECURE_HEADER_OPTIONS);

/**
 * A Content-Security-Policy by what the answer is: JSON may load nothing and
 * be framed by nothing; the HTML pages (Swagger UI, Bull Board, the web page)
 * may not be framed either, nor post forms or load plugins elsewhere. Their
 * own scripts (an inline start-up script in Swagger UI's page) are left as
 * they are; a page that sets its own policy keeps it.
 */
const JSON_POLICY = "default-src 'none'; frame-ancestors 'none'";
const HTML_POLICY = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/** Where an HTML page can be answered; every other route answers JSON or media bytes. */
const HTML_PREFIXES = ["/docs", DASHBOARD_PATH, "/ui"];
const mayServeHtml = (path: string) => HTML_PREFIXES.some((prefix) => path.startsWith(prefix));

/** The headers secureHeaders sets, read once from a throwaway response: the same list on both paths below. */
let staticHeaders: [string, string][] | undefined;
async function secureHeaderList(): Promise<[string, string][]> {
  if (!staticHeaders) {
    const { Hono } = await import("hono");
    const probe = new Hono().use(secureHeaders(SECURE_HEADER_OPTIONS)).get("/", (c) => c.body(null, 204));
    staticHeaders = [...(await probe.request("/")).headers].filter(([name]) => name !== "content-type");
  }
  return staticHeaders;
}

export function securityHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const outgoing = nodeResponse(c);
    if (!outgoing) {
      // In process (app.request): on the answer, whatever built it.
      await baseHeaders(c, async () => {
        await next();
        const type = c.res.headers.get("content-type") ?? "";
        if (type.includes("text/html")) c.res.headers.set("Content-Security-Policy", HTML_POLICY);
        else if (!c.res.headers.has("Content-Security-Policy"))
          c.res.headers.set("Content-Security-Policy", JSON_POLICY);
      });
      return;
    }
    // On Node's response, before the answer exists: the route's own headers win (writeHead merges).
    for (const [name, value] of staticHeaders ?? (await secureHeaderList())) outgoing.setHeader(name, value);
    if (!mayServeHtml(c.req.path)) {
      outgoing.setHeader("Content-Security-Policy", JSON_POLICY);
      await next();
      return;
    }
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (type.includes("text/html")) c.res.headers.set("Content-Security-Policy", HTML_POLICY);
    else if (!c.res.headers.has("Content-Security-Policy")) outgoing.setHeader("Content-Security-Policy", JSON_POLICY);
  });
}

import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../deps.js";
import { DASHBOARD_PATH, UI_PATH } from "../http-paths.js";
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
 * With `no-referrer`, Chromium sends `Origin: null` on the web page's own
 * form posts (login, logout), which the origin check must refuse; the page
 * says `same-origin`, which still tells no other site anything.
 */
const uiHeaders = secureHeaders({ ...SECURE_HEADER_OPTIONS, referrerPolicy: "same-origin" });

/**
 * A Content-Security-Policy by what the answer is: JSON may load nothing and
 * be framed by nothing; the HTML pages (Swagger UI, Bull Board) may not be
 * framed either, nor post forms or load plugins elsewhere. Their own scripts
 * (an inline start-up script in Swagger UI's page) are left as they are.
 */
export const JSON_POLICY = "default-src 'none'; frame-ancestors 'none'";
const HTML_POLICY = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
/**
 * The web page (docs/adr/0023-web-page.md) is ours through and through: its
 * own script and stylesheet, its own API, nothing inline, nothing from
 * elsewhere.
 */
const UI_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const isUiPath = (path: string) => path === UI_PATH || path.startsWith(`${UI_PATH}/`);
/** Where Swagger UI or Bull Board can answer HTML; every other route answers JSON or media bytes. */
const mayServeHtml = (path: string) => path.startsWith("/docs") || path.startsWith(DASHBOARD_PATH);

/** The headers secureHeaders sets, read once from a throwaway response: the same list on both paths below. */
let staticHeaders: [string, string][] | undefined;
export async function secureHeaderList(): Promise<[string, string][]> {
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
    const ui = isUiPath(c.req.path);
    if (!outgoing || ui) {
      // In process (app.request), and the web page's few requests: on the answer, whatever built it.
      await (ui ? uiHeaders : baseHeaders)(c, async () => {
        await next();
        const type = c.res.headers.get("content-type") ?? "";
        if (type.includes("text/html")) c.res.headers.set("Content-Security-Policy", ui ? UI_POLICY : HTML_POLICY);
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

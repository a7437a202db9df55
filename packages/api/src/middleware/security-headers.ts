import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../deps.js";
import { UI_PATH } from "../http-paths.js";

/**
 * Hono's secureHeaders on every answer (no framing, no MIME sniffing, no
 * referrer, same-origin resources and windows), without HSTS: the API
 * speaks plain HTTP, and TLS, where there is any, ends at a proxy that owns
 * that header.
 */
const baseHeaders = secureHeaders({ xFrameOptions: "DENY", strictTransportSecurity: false });
/**
 * With `no-referrer`, Chromium sends `Origin: null` on the web page's own
 * form posts (login, logout), which the origin check must refuse; the page
 * says `same-origin`, which still tells no other site anything.
 */
const uiHeaders = secureHeaders({
  xFrameOptions: "DENY",
  strictTransportSecurity: false,
  referrerPolicy: "same-origin",
});

/**
 * A Content-Security-Policy by what the answer is: JSON may load nothing and
 * be framed by nothing; the HTML pages (Swagger UI, Bull Board) may not be
 * framed either, nor post forms or load plugins elsewhere. Their own scripts
 * (an inline start-up script in Swagger UI's page) are left as they are.
 */
const JSON_POLICY = "default-src 'none'; frame-ancestors 'none'";
const HTML_POLICY = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
/**
 * The web page (docs/adr/0023-web-page.md) is ours through and through: its
 * own script and stylesheet, its own API, nothing inline, nothing from
 * elsewhere.
 */
const UI_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function securityHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const ui = c.req.path === UI_PATH || c.req.path.startsWith(`${UI_PATH}/`);
    await (ui ? uiHeaders : baseHeaders)(c, async () => {
      await next();
      const type = c.res.headers.get("content-type") ?? "";
      if (type.includes("text/html")) c.res.headers.set("Content-Security-Policy", ui ? UI_POLICY : HTML_POLICY);
      else if (!c.res.headers.has("Content-Security-Policy")) c.res.headers.set("Content-Security-Policy", JSON_POLICY);
    });
  });
}

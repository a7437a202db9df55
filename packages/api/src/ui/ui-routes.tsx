import { AppError } from "@converter/shared/errors";
import { PRESETS } from "@converter/shared/presets";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { etag } from "hono/etag";
import type { AppDeps, AppEnv } from "../deps.js";
import { UI_ASSETS_PATH, UI_PATH } from "../http-paths.js";
import { secretsEqual } from "../middleware/api-key-auth.js";
import { SESSION_COOKIE, type SessionStore } from "../sessions/session-store.js";
import { toPresetView } from "../views/preset-view.js";
import { AppPage } from "./app-page.js";
import { LoginPage } from "./login-page.js";
import { loadUiAssets } from "./ui-assets.js";

/**
 * The web page (docs/adr/0023-web-page.md): GET /ui, its login and logout,
 * and its assets. With API_KEY set the page asks for the key once and keeps
 * a session cookie (HttpOnly, SameSite=Strict, Secure over https) holding a
 * random id; without API_KEY there is no login.
 */
export function uiRoutes(deps: Pick<AppDeps, "config">, sessions: SessionStore): Hono<AppEnv> {
  const apiKey = deps.config.apiKey;
  const presets = PRESETS.map(toPresetView);
  const assets = loadUiAssets();
  const loggedIn = (c: Parameters<typeof getCookie>[0]) => !apiKey || sessions.touch(getCookie(c, SESSION_COOKIE));

  return new Hono<AppEnv>()
    .get(UI_PATH, (c) => {
      c.header("Cache-Control", "no-store");
      if (!loggedIn(c)) return c.html(<LoginPage />);
      return c.html(<AppPage presets={presets} loggedIn={apiKey !== undefined} />);
    })
    .post(`${UI_PATH}/login`, async (c) => {
      if (!apiKey) return c.redirect(UI_PATH, 303);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const key = typeof form.key === "string" ? form.key : "";
      if (!secretsEqual(key, apiKey)) {
        c.get("log").info("web page login refused: wrong API key");
        c.header("Cache-Control", "no-store");
        return c.html(<LoginPage error={key ? "That is not the API key." : "Enter the API key."} />, 401);
      }
      setCookie(c, SESSION_COOKIE, sessions.create(), {
        path: "/",
        httpOnly: true,
        sameSite: "Strict",
        secure: isHttps(c.req.url, c.req.header("x-forwarded-proto")),
        // No Max-Age: the browser drops it when it closes; the server forgets it after SESSION_IDLE_MS unused.
      });
      return c.redirect(UI_PATH, 303);
    })
    .post(`${UI_PATH}/logout`, (c) => {
      sessions.end(getCookie(c, SESSION_COOKIE));
      deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict" });
      return c.redirect(UI_PATH, 303);
    })
    .get(`${UI_ASSETS_PATH}/:file`, etag(), (c) => {
      const asset = assets.get(c.req.param("file"));
      if (!asset) throw new AppError("not_found", `no asset ${c.req.param("file")}`);
      c.header("Content-Type", asset.type);
      // Revalidated by ETag on every load: a new version of the page is never mixed with an old script.
      c.header("Cache-Control", "no-cache");
      return c.body(asset.body);
    });
}

/** Secure cookies over https, also when TLS ends at a proxy that says so (a false claim only makes the cookie stricter). */
function isHttps(url: string, forwardedProto: string | undefined): boolean {
  return url.startsWith("https:") || forwardedProto?.split(",")[0]?.trim().toLowerCase() === "https";
}

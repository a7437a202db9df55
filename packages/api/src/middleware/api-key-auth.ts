import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@converter/shared/errors";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";
import { DASHBOARD_PATH, DOCS_ASSETS_PATH, PUBLIC_GET_PATHS, UI_ASSETS_PATH, UI_PUBLIC_PATHS } from "../http-paths.js";
import { SESSION_COOKIE, type SessionStore } from "../sessions/session-store.js";
import { requestHeader } from "./request-header.js";

/**
 * Constant-time comparison that cannot throw: both sides are hashed to 32
 * bytes first, so a length mismatch neither throws nor shows in the timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function basicAuthPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * X-API-Key on the API; HTTP Basic (any user, the key as password) on the
 * dashboard; on both, the session cookie the web page's login set
 * (docs/adr/0023-web-page.md). A write with the cookie has passed the
 * origin check before this (request-origin.ts), so another site cannot ride
 * on it. `alsoPublic` are further paths anyone may read (/metrics with
 * METRICS_PUBLIC=true).
 */
export function apiKeyAuth(apiKey: string, alsoPublic: readonly string[] = [], sessions?: SessionStore) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const path = c.req.path;
    const isRead = c.req.method === "GET" || c.req.method === "HEAD";
    const isPublic = PUBLIC_GET_PATHS.has(path) || alsoPublic.includes(path) || path.startsWith(`${DOCS_ASSETS_PATH}/`);
    if (isRead && isPublic) return next();
    if (UI_PUBLIC_PATHS.has(path) || (isRead && path.startsWith(`${UI_ASSETS_PATH}/`))) return next();
    if (sessions?.touch(getCookie(c, SESSION_COOKIE))) return next();
    if (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`)) {
      const password = basicAuthPassword(requestHeader(c, "authorization"));
      if (password !== undefined && secretsEqual(password, apiKey)) return next();
      c.header("WWW-Authenticate", 'Basic realm="FFmpeg Converter queues", charset="UTF-8"');
      throw new AppError("unauthorized", "the dashboard needs HTTP Basic auth with the API key as password");
    }
    const given = requestHeader(c, "x-api-key");
    if (given !== undefined && secretsEqual(given, apiKey)) return next();
    throw new AppError("unauthorized", given === undefined ? "X-API-Key header is required" : "X-API-Key is not valid");
  });
}

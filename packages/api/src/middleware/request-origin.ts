import { isIP } from "node:net";
import type { ApiConfig } from "@converter/shared/config/api";
import { AppError } from "@converter/shared/errors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";
import { requestHeader } from "./request-header.js";

type OriginConfig = Pick<ApiConfig, "apiKey" | "host" | "allowedHosts">;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Where a request comes from (docs/adr/0019-origin-and-host-policy.md).
 *
 * Host: with API_KEY unset nothing else stops a page on a rebinding host name
 * (attacker.example, re-pointed at 127.0.0.1 after it loaded) from using the
 * API as its own origin, so the Host a browser sends must be a name no one
 * else can point here: a loopback name, an IP address, HOST, or a name in
 * ALLOWED_HOSTS. With API_KEY set, the key is what such a page lacks.
 *
 * Origin: no request a browser sends from another origin may change
 * anything, on the API or the dashboard, with or without API_KEY (a form
 * posts text/plain without a preflight, and browsers resend cached Basic
 * credentials). Browsers say where a request comes from (Sec-Fetch-Site,
 * Origin); a write must come from this origin, or from one named in
 * ALLOWED_HOSTS (a proxy that rewrites Host). Clients that are not browsers
 * send neither header and are not affected.
 */
export function requestOrigin(config: OriginConfig) {
  const hostAnswered = hostPolicy(config);
  return createMiddleware<AppEnv>(async (c, next) => {
    const host = requestHeader(c, "host");
    if (host !== undefined && !hostAnswered(host)) {
      throw new AppError(
        "host_not_allowed",
        `this API does not answer to the host name ${hostName(host)}; list it in ALLOWED_HOSTS, or set API_KEY`,
      );
    }
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = requestHeader(c, "sec-fetch-site");
    const origin = requestHeader(c, "origin");
    if (site === "cross-site" || site === "same-site" || (origin !== undefined && !sameOrigin(origin, host, config))) {
      throw new AppError(
        "cross_origin_refused",
        `a request from another origin (${origin ?? site}) may not change anything here; send it from this server's own pages, or from a client that is not a browser`,
      );
    }
    return next();
  });
}

/** Whether a request with this Host header may be answered: always with API_KEY set (see above). */
export function hostPolicy(config: OriginConfig): (host: string) => boolean {
  if (config.apiKey) return () => true;
  const allowed = allowedNames(config);
  return (host) => hostAllowed(hostName(host), allowed);
}

type AllowedNames = { any: boolean; names: Set<string> };

function allowedNames(config: OriginConfig): AllowedNames {
  const names = new Set(config.allowedHosts === "*" ? [] : config.allowedHosts);
  const bound = config.host.toLowerCase();
  // 0.0.0.0 and :: are where it listens, not a name anyone uses; a real name is.
  if (isIP(bound) === 0) names.add(bound);
  return { any: config.allowedHosts === "*", names };
}

/** Names no page elsewhere can point at this server: loopback names and IP literals (rebinding needs a DNS name). */
function hostAllowed(name: string, allowed: AllowedNames): boolean {
  if (allowed.any || allowed.names.has(name)) return true;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return isIP(name.replace(/^\[|\]$/g, "")) !== 0;
}

/** "Example.com:8000" → "example.com"; "[::1]:8000" → "[::1]". */
function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.lastIndexOf(":");
  return colon > 0 && lower.indexOf(":") === colon ? lower.slice(0, colon) : lower;
}

function sameOrigin(origin: string, host: string | undefined, config: OriginConfig): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a data: page) and anything unparsable
  }
  if (host !== undefined && url.host === host.trim().toLowerCase()) return true;
  return config.allowedHosts !== "*" && config.allowedHosts.includes(url.hostname.toLowerCase());
}

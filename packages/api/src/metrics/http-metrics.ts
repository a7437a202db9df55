import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Histogram } from "prom-client";
import type { AppEnv } from "../deps.js";

type Labels = "method" | "route" | "status";

/**
 * Times every request into `converter_http_request_duration_seconds`,
 * labelled by the route pattern that answered (`/status/:job_id`, never the
 * id itself, so the label set stays small) and the status.
 */
export function httpMetrics(histogram: Histogram<Labels>) {
  const timed = requestTimer(histogram);
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const handler = matchedRoutes(c).findLast((route) => route.method !== "ALL");
      timed(c.req.method, handler?.path ?? "(unmatched)", c.res.status, started);
    }
  });
}

/** Records one request, `started` being its `performance.now()`; `route` is the pattern, as Hono names it. */
export type RequestTimer = (method: string, route: string, status: number, started: number) => void;

export function requestTimer(histogram: Histogram<Labels>): RequestTimer {
  // One child per label set, found by a string key: prom-client otherwise sorts
  // and hashes the label object on every observation (issue 12's profile).
  const children = new Map<string, ReturnType<Histogram<Labels>["labels"]>>();
  return (method, route, status, started) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = histogram.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe((performance.now() - started) / 1000);
  };
}

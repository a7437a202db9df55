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
  // One child per label set, found by a string key: prom-client otherwise sorts
  // and hashes the label object on every observation (issue 12's profile).
  const children = new Map<string, ReturnType<Histogram<Labels>["labels"]>>();
  const childFor = (method: string, route: string, status: string) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = histogram.labels({ method, route, status });
      children.set(key, child);
    }
    return child;
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const handler = matchedRoutes(c).findLast((route) => route.method !== "ALL");
      childFor(c.req.method, handler?.path ?? "(unmatched)", String(c.res.status)).observe(
        (performance.now() - started) / 1000,
      );
    }
  });
}

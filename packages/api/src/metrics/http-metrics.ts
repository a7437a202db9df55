import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Histogram } from "prom-client";
import type { AppEnv } from "../deps.js";

/**
 * Times every request into `converter_http_request_duration_seconds`,
 * labelled by the route pattern that answered (`/status/:job_id`, never the
 * id itself, so the label set stays small) and the status.
 */
export function httpMetrics(histogram: Histogram<"method" | "route" | "status">) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const end = histogram.startTimer();
    try {
      await next();
    } finally {
      const handler = matchedRoutes(c).findLast((route) => route.method !== "ALL");
      end({ method: c.req.method, route: handler?.path ?? "(unmatched)", status: String(c.res.status) });
    }
  });
}

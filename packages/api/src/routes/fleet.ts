import { AppError } from "@converter/shared/errors";
import { WorkerHeartbeat } from "@converter/shared/queue";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { workerExample } from "./openapi-examples.js";
import { errorResponse, jsonContent, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const workersRoute = createRoute({
  method: "get",
  path: "/workers",
  operationId: "listWorkers",
  tags: ["operations"],
  summary: "Every live worker: what it proved it can run, its load, its GPU",
  description:
    "Read from the workers' heartbeats (every 10 s, gone 30 s after the last). `routes` are the queues a worker " +
    "takes jobs from (ADR 0016); `encoders` and `decoders` are what its start-up tests proved; `counters` are " +
    "its running totals since it started.",
  responses: {
    200: jsonContent(z.object({ workers: z.array(WorkerHeartbeat) }), "The live workers, by name", {
      workers: [workerExample],
    }),
    ...readAuthErrors,
    503: errorResponse("Redis is unreachable (`redis_unavailable`)"),
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["operations"],
  summary: "Prometheus metrics (text exposition format)",
  description:
    "Jobs by status, queue depth per route queue, job duration and encode speed by encoder and preset, live " +
    "workers by capability, workers' own totals, webhook failures, HTTP request durations by route. Needs the " +
    "API key unless the server sets METRICS_PUBLIC=true.",
  responses: {
    200: {
      description: "Prometheus text format, version 0.0.4",
      content: {
        "text/plain": {
          schema: z.string(),
          example:
            '# HELP converter_jobs Jobs by status\n# TYPE converter_jobs gauge\nconverter_jobs{status="completed"} 42\n',
        },
      },
    },
    ...readAuthErrors,
  },
});

/** GET /workers and GET /metrics: what an operator watches (ADR 0018). */
export function fleetRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(workersRoute, async (c) => {
      if (!deps.fleet) return c.json({ workers: [] }, 200);
      try {
        return c.json({ workers: await deps.fleet.read() }, 200);
      } catch (cause) {
        throw new AppError("redis_unavailable", "the worker heartbeats could not be read: Redis is unreachable", {
          cause,
        });
      }
    })
    .openapi(metricsRoute, async (c) => {
      const text = deps.metrics ? await deps.metrics.render() : "";
      return c.text(text, 200, { "Content-Type": deps.metrics?.contentType ?? "text/plain; version=0.0.4" });
    });
}

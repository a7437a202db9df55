import { WorkerHeartbeat } from "@converter/shared/queue";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { healthExample } from "./openapi-examples.js";
import { jsonContent, publicErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const Health = z.object({
  status: z.enum(["ok", "unavailable"]),
  version: z.string(),
  ffmpeg: z.object({ version: z.string().nullable() }),
  redis: z.enum(["ok", "unavailable"]),
  database: z.literal("ok"),
  queue: z.object({ waiting: z.number(), active: z.number() }).nullable(),
  queues: z.array(
    z.object({
      name: z.string(),
      routes: z.array(z.string()),
      waiting: z.number(),
      active: z.number(),
      workers: z.number(),
      waiting_reason: z.string().nullable(),
    }),
  ),
  workers: z.array(WorkerHeartbeat),
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
});

const rootRoute = createRoute({
  method: "get",
  path: "/",
  operationId: "getService",
  tags: ["meta"],
  summary: "Service name, version and where the docs are",
  security: [],
  responses: {
    200: jsonContent(z.object({ name: z.string(), version: z.string(), docs: z.string() }), "Service identity", {
      name: "ffmpeg-converter",
      version: "0.1.0",
      docs: "/docs",
    }),
    ...publicErrors,
  },
});

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["meta"],
  summary: "Readiness: Redis reachable, ffmpeg runnable, live workers",
  security: [],
  responses: {
    200: jsonContent(Health, "Everything the API depends on works", healthExample),
    503: jsonContent(Health, "Redis is unreachable or ffmpeg cannot run; `problems` says which", {
      ...healthExample,
      status: "unavailable",
      redis: "unavailable",
      queue: null,
      queues: [],
      workers: [],
      problems: ["redis is unreachable"],
    }),
    ...publicErrors,
  },
});

/** What `GET /` answers; the hot-read lane (hot-reads/) answers the same. */
export const serviceIdentity = (version: string) => ({ name: "ffmpeg-converter", version, docs: "/docs" });

export function metaRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(rootRoute, (c) => c.json(serviceIdentity(deps.version), 200))
    .openapi(healthRoute, async (c) => {
      const health = await deps.health.check();
      return health.status === "ok" ? c.json(health, 200) : c.json(health, 503);
    });
}

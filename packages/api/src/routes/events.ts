import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { streamJobEvents } from "../events/sse-stream.js";
import { JobIdParam } from "./job-params.js";
import { errorResponse, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const LastEventId = z.object({
  "last-event-id": z
    .string()
    .optional()
    .openapi({
      param: { name: "last-event-id", in: "header" },
      description:
        "The `id` of the last event the client received (browsers send it on reconnect). The events since are " +
        "sent first; when the server no longer holds them all, the current state of every job that changed since " +
        "is sent instead, as `status` or end events.",
      example: "1795700000123456",
    }),
});

const eventStream = (description: string) => ({
  description,
  content: {
    "text/event-stream": {
      schema: z.string().openapi({
        description:
          "Server-Sent Events. `event: status` and the end events `completed`, `failed`, `cancelled` carry the job " +
          "JSON of GET /status; `event: progress` carries {job_id, status, progress, fps, speed, eta_seconds, " +
          "encoder, worker}. Every event has an `id`; a `: keep-alive` comment comes every 15 s.",
        example:
          'id: 1795700000123456\nevent: progress\ndata: {"job_id":"01a2…","status":"in_progress","progress":41.7,"fps":118.2,"speed":3.9,"eta_seconds":6,"encoder":"libx264","worker":"gpu-node-1"}\n\n',
      }),
    },
  },
});

const allEventsRoute = createRoute({
  method: "get",
  path: "/events",
  operationId: "streamEvents",
  tags: ["events"],
  summary: "Live changes of every job (Server-Sent Events)",
  request: { headers: LastEventId },
  responses: { 200: eventStream("A stream that stays open"), ...readAuthErrors },
});

const jobEventsRoute = createRoute({
  method: "get",
  path: "/jobs/{job_id}/events",
  operationId: "streamJobEvents",
  tags: ["events"],
  summary: "Live changes of one job (Server-Sent Events); the first event is where the job stands now",
  request: { params: JobIdParam, headers: LastEventId },
  responses: {
    200: eventStream("A stream that stays open, also after the job ended (a retry makes it run again)"),
    ...readAuthErrors,
    404: errorResponse("No job with this id (`job_not_found`)"),
  },
});

export function eventRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const events = deps.events;
  if (!events) return app;
  const changedSince = (since: Date, jobId?: string) => deps.jobs.changedSince(since, jobId);
  return app
    .openapi(allEventsRoute, (c) =>
      streamJobEvents(c, { log: events, changedSince, heartbeatMs: deps.config.sseHeartbeatMs }),
    )
    .openapi(jobEventsRoute, (c) => {
      const { job_id } = c.req.valid("param");
      const current = deps.jobs.get(job_id);
      return streamJobEvents(c, {
        log: events,
        jobId: job_id,
        current,
        changedSince,
        heartbeatMs: deps.config.sseHeartbeatMs,
      });
    });
}

import { JOB_STATUSES, JobList, JobLogs, JobView } from "@converter/shared/jobs";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { JobIdParam } from "./job-params.js";
import { cancelledJobExample, jobExample, jobLogsExample, queuedJobExample } from "./openapi-examples.js";
import { authErrors, errorResponse, jsonContent, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const notFound = { 404: errorResponse("No job with this id (`job_not_found`)") };

const statusRoute = createRoute({
  method: "get",
  path: "/status/{job_id}",
  operationId: "getStatus",
  tags: ["jobs"],
  summary: "A job's status, progress and result",
  request: { params: JobIdParam },
  responses: { 200: jsonContent(JobView, "The job", jobExample), ...readAuthErrors, ...notFound },
});

const getJobRoute = createRoute({
  method: "get",
  path: "/jobs/{job_id}",
  operationId: "getJob",
  tags: ["jobs"],
  summary: "Same as GET /status/{job_id}",
  request: { params: JobIdParam },
  responses: { 200: jsonContent(JobView, "The job", jobExample), ...readAuthErrors, ...notFound },
});

const listRoute = createRoute({
  method: "get",
  path: "/jobs",
  operationId: "listJobs",
  tags: ["jobs"],
  summary: "Jobs, newest first, one page at a time",
  request: {
    query: z
      .object({
        status: z.enum(JOB_STATUSES).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` of the previous page" }),
      })
      .strict(),
  },
  responses: {
    200: jsonContent(JobList, "A page of jobs; `next_cursor` is null on the last page", {
      jobs: [queuedJobExample, jobExample],
      next_cursor: null,
    }),
    ...readAuthErrors,
    422: errorResponse("Bad `status`, `limit` or `cursor` (`validation_failed`)"),
  },
});

const logsRoute = createRoute({
  method: "get",
  path: "/jobs/{job_id}/logs",
  operationId: "getJobLogs",
  tags: ["jobs"],
  summary: "The job's log: the ffmpeg command line first, then the tail of ffmpeg's output and lifecycle lines",
  request: { params: JobIdParam },
  responses: { 200: jsonContent(JobLogs, "Log lines, oldest first", jobLogsExample), ...readAuthErrors, ...notFound },
});

const cancelRoute = createRoute({
  method: "delete",
  path: "/jobs/{job_id}",
  operationId: "cancelJob",
  tags: ["jobs"],
  summary: "Cancel a queued or running job",
  description:
    "A queued job is removed and never runs. A running job is stopped on whichever worker holds it: its ffmpeg is " +
    "killed and its temporary output deleted. The answer comes once the worker confirmed (or after " +
    "CANCEL_WAIT_SECONDS); the job ends `cancelled` with `error.code: cancelled` either way.",
  request: { params: JobIdParam },
  responses: {
    200: jsonContent(JobView, "The job, now cancelled", cancelledJobExample),
    ...authErrors,
    ...notFound,
    409: errorResponse("The job already ended (`job_finished`)"),
    503: errorResponse("Redis is unreachable (`redis_unavailable`); nothing was cancelled"),
  },
});

const retryRoute = createRoute({
  method: "post",
  path: "/jobs/{job_id}/retry",
  operationId: "retryJob",
  tags: ["jobs"],
  summary: "Run a failed or cancelled job again",
  description: "Same job id and options. `retries` counts these requests; `attempts` counts every run, across retries.",
  request: { params: JobIdParam },
  responses: {
    202: {
      description: "Queued again; poll `Location`",
      headers: { Location: { schema: { type: "string" }, description: "/status/{job_id}" } },
      content: { "application/json": { schema: JobView, example: { ...queuedJobExample, retries: 1 } } },
    },
    ...authErrors,
    ...notFound,
    409: errorResponse(
      "The job is not failed or cancelled (`job_not_retryable`), or its output exists or is being written (`output_exists`)",
    ),
    429: errorResponse("Too many jobs waiting (`queue_full`); see `Retry-After`"),
    503: errorResponse("Redis is unreachable (`redis_unavailable`); the job was not queued again"),
  },
});

export function jobRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(statusRoute, (c) => c.json(deps.jobs.get(c.req.valid("param").job_id), 200))
    .openapi(getJobRoute, (c) => c.json(deps.jobs.get(c.req.valid("param").job_id), 200))
    .openapi(listRoute, (c) => {
      const { status, limit, cursor } = c.req.valid("query");
      return c.json(deps.jobs.list({ limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }), 200);
    })
    .openapi(logsRoute, (c) => c.json({ logs: deps.jobs.logs(c.req.valid("param").job_id) }, 200))
    .openapi(cancelRoute, async (c) => {
      const job = await deps.jobs.cancel(c.req.valid("param").job_id);
      c.get("log").info({ job_id: job.job_id }, "job cancelled");
      return c.json(job, 200);
    })
    .openapi(retryRoute, async (c) => {
      const job = await deps.jobs.retry(c.req.valid("param").job_id);
      c.get("log").info({ job_id: job.job_id, retries: job.retries }, "job queued again");
      c.header("Location", `/status/${job.job_id}`);
      return c.json(job, 202);
    });
}

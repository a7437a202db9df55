import { ConvertRequest, JobView } from "@converter/shared/jobs";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { authErrors, errorResponse } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const convertRoute = createRoute({
  method: "post",
  path: "/convert",
  tags: ["jobs"],
  summary: "Submit a conversion job",
  description:
    "Only `input` is required. Paths are relative to MEDIA_ROOT. `preset` defaults to `h264`; `options` override " +
    "the preset field by field. `output` defaults to `converted/<input stem>.<container extension>`.",
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .min(1)
        .max(255)
        .regex(/^[\x21-\x7e]+$/, "must be 1-255 visible ASCII characters")
        .optional()
        .openapi({
          param: { name: "idempotency-key", in: "header" },
          description:
            "Makes the submission safe to repeat for 24 hours: the same key and body give the original job back " +
            "(200), the same key with another body is refused (422 `idempotency_mismatch`).",
          example: "3f1c9a52-upload-42",
        }),
    }),
    body: { required: true, content: { "application/json": { schema: ConvertRequest } } },
  },
  responses: {
    200: {
      description: "A repeat of an earlier submission with the same Idempotency-Key and body: the original job",
      headers: {
        Location: { schema: { type: "string" }, description: "/status/{job_id}" },
        "Idempotent-Replayed": { schema: { type: "string" }, description: "true" },
      },
      content: { "application/json": { schema: JobView } },
    },
    202: {
      description: "Accepted and queued; poll `Location`",
      headers: { Location: { schema: { type: "string" }, description: "/status/{job_id}" } },
      content: { "application/json": { schema: JobView } },
    },
    400: errorResponse("The body is not JSON (`invalid_json`)"),
    ...authErrors,
    404: errorResponse("The input file does not exist (`input_not_found`)"),
    409: errorResponse("The output exists and `overwrite` is not true, or a live job writes it (`output_exists`)"),
    413: errorResponse("The body is too large (`payload_too_large`)"),
    422: errorResponse(
      "Invalid body or Idempotency-Key, path outside MEDIA_ROOT, unknown preset, input over MAX_INPUT_BYTES, an " +
        "Idempotency-Key reused with another body (`validation_failed`, `invalid_path`, `unknown_preset`, " +
        "`input_too_large`, `idempotency_mismatch`)",
    ),
    429: errorResponse("Too many jobs waiting (`queue_full`); see `Retry-After`"),
    503: errorResponse("Redis is unreachable (`redis_unavailable`); the job was not accepted"),
  },
});

export function convertRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(convertRoute, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const { job, replayed } = await deps.jobs.submitOnce(c.req.valid("json"), c.get("requestId"), idempotencyKey);
    c.header("Location", `/status/${job.job_id}`);
    if (replayed) {
      c.header("Idempotent-Replayed", "true");
      return c.json(job, 200);
    }
    c.get("log").info({ job_id: job.job_id, input: job.input, output: job.output, preset: job.preset }, "job queued");
    return c.json(job, 202);
  });
}

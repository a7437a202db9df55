import { AppError } from "@converter/shared/errors";
import { ConvertRequest, JobView } from "@converter/shared/jobs";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../deps.js";
import { checkFormBeforeFile, convertRequestFromForm } from "./convert-form.js";
import { convertRequestExample, jobExample, queuedJobExample } from "./openapi-examples.js";
import { isMultipart, MAX_FORM_FIELDS, requestBody, requestHeaders } from "./request-body.js";
import { authErrors, errorResponse } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

/** The route, with the middleware that reads the multipart form before the JSON validator could touch the body. */
const convertRouteWith = (multipart: MiddlewareHandler<AppEnv>) =>
  createRoute({
    method: "post",
    path: "/convert",
    operationId: "convert",
    tags: ["jobs"],
    summary: "Submit a conversion job",
    description:
      "Only `input` is required. Paths are relative to MEDIA_ROOT. `preset` defaults to `h264`; `options` override " +
      "the preset field by field. `output` defaults to `converted/<input stem>.<container extension>`. " +
      "As multipart/form-data, the `file` part is uploaded first (as POST /uploads would) and becomes the input; " +
      "the other fields are the JSON body's, `options` as JSON. Idempotency-Key is for JSON bodies only.",
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
              "(200), the same key with another body is refused (422 `idempotency_mismatch`). Use a new key " +
              "(a UUID) for each new request; no example is given, so Swagger UI sends none unless one is typed.",
          }),
      }),
      body: {
        required: true,
        content: {
          "application/json": { schema: ConvertRequest, example: convertRequestExample },
          // The multipart form, documented here; the route reads it as a stream.
          "multipart/form-data": {
            example: { file: "(the file's bytes)", preset: "h264-720p", stream_copy: "never" },
            schema: {
              type: "object",
              required: ["file"],
              properties: {
                file: {
                  type: "string",
                  format: "binary",
                  description: "The input: stored as an upload, then converted",
                },
                preset: { type: "string" },
                output: { type: "string" },
                options: { type: "string", description: "ConvertOptions as JSON", example: '{"height":720}' },
                overwrite: { type: "string", enum: ["true", "false"] },
                priority: { type: "string", description: "1-10" },
                stream_copy: { type: "string", enum: ["auto", "never"] },
                webhook_url: { type: "string" },
              },
            },
          },
        },
      },
    },
    responses: {
      200: {
        description: "A repeat of an earlier submission with the same Idempotency-Key and body: the original job",
        headers: {
          Location: { schema: { type: "string" }, description: "/status/{job_id}" },
          "Idempotent-Replayed": { schema: { type: "string" }, description: "true" },
        },
        content: { "application/json": { schema: JobView, example: jobExample } },
      },
      202: {
        description: "Accepted and queued; poll `Location`",
        headers: { Location: { schema: { type: "string" }, description: "/status/{job_id}" } },
        content: { "application/json": { schema: JobView, example: queuedJobExample } },
      },
      ...authErrors,
      404: errorResponse("The input file does not exist (`input_not_found`)"),
      409: errorResponse("The output exists and `overwrite` is not true, or a live job writes it (`output_exists`)"),
      400: errorResponse(
        "The body is not JSON (`invalid_json`), or a multipart body without a `file` part (`invalid_upload`)",
      ),
      413: errorResponse(
        "The JSON body is too large (`payload_too_large`), or the file over MAX_UPLOAD_BYTES (`upload_too_large`)",
      ),
      422: errorResponse(
        "Invalid body or Idempotency-Key, path outside MEDIA_ROOT, unknown preset, input over MAX_INPUT_BYTES, an " +
          "Idempotency-Key reused with another body, `options.segments` on a job that encodes no video or sets fps " +
          "(`validation_failed`, `invalid_path`, `unknown_preset`, `input_too_large`, `idempotency_mismatch`, " +
          "`segments_unsupported`)",
      ),
      429: errorResponse("Too many jobs waiting (`queue_full`); see `Retry-After`"),
      503: errorResponse("Redis is unreachable (`redis_unavailable`); the job was not accepted"),
      507: errorResponse("No room for the file on the media root's disk (`insufficient_storage`)"),
    },
    middleware: [multipart] as const,
  });

/**
 * Upload and submit in one request: the file part is streamed to an upload,
 * the fields become the request. A submission that fails leaves no upload.
 */
function multipartConvert(deps: AppDeps, maxFields: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!isMultipart(c)) return next();
    if (c.req.header("idempotency-key") !== undefined) {
      throw new AppError(
        "validation_failed",
        "idempotency-key: only for JSON bodies; upload with POST /uploads, then POST /convert with JSON",
        { field: "idempotency-key" },
      );
    }
    const limits = { maxFieldBytes: deps.config.maxBodyBytes, maxFields };
    const { upload, fields } = await deps.uploads.receiveMultipart(
      requestBody(c),
      requestHeaders(c),
      limits,
      checkFormBeforeFile,
    );
    let job: JobView;
    try {
      job = (await deps.jobs.submitOnce(convertRequestFromForm(fields, upload.path), c.get("requestId"))).job;
    } catch (error) {
      await deps.uploads.discardById(upload.upload_id);
      throw error;
    }
    c.get("log").info({ job_id: job.job_id, upload_id: upload.upload_id, output: job.output }, "job queued");
    c.header("Location", `/status/${job.job_id}`);
    return c.json(job, 202);
  };
}

export function convertRoutes(deps: AppDeps) {
  const convertRoute = convertRouteWith(multipartConvert(deps, MAX_FORM_FIELDS));
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(convertRoute, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    // Validated by the JSON schema above; zod-openapi cannot type a body documented as two media types.
    const body = c.req.valid("json" as never) as ConvertRequest;
    const { job, replayed } = await deps.jobs.submitOnce(body, c.get("requestId"), idempotencyKey);
    c.header("Location", `/status/${job.job_id}`);
    if (replayed) {
      c.header("Idempotent-Replayed", "true");
      return c.json(job, 200);
    }
    c.get("log").info({ job_id: job.job_id, input: job.input, output: job.output, preset: job.preset }, "job queued");
    return c.json(job, 202);
  });
}

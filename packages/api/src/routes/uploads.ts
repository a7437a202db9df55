import { AppError } from "@converter/shared/errors";
import { UploadView } from "@converter/shared/files";
import { UPLOAD_ID_PATTERN } from "@converter/shared/ids";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { uploadExample } from "./openapi-examples.js";
import { contentLength, isMultipart, MAX_FORM_FIELDS, requestBody, requestHeaders } from "./request-body.js";
import { authErrors, errorResponse, jsonContent, readAuthErrors } from "./schemas.js";
import { tusRoutes } from "./tus.js";
import { validationHook } from "./validation-hook.js";

const UploadIdParam = z.object({
  upload_id: z
    .string()
    .regex(UPLOAD_ID_PATTERN, "must be an upload id")
    .openapi({ param: { name: "upload_id", in: "path" }, example: "0192f3c4-5a6b-7c8d-9e0f-123456789abc" }),
});

const uploadErrors = {
  ...authErrors,
  400: errorResponse("A multipart body without a `file` part, or one that cannot be read (`invalid_upload`)"),
  413: errorResponse("Larger than MAX_UPLOAD_BYTES, from Content-Length or while reading (`upload_too_large`)"),
  507: errorResponse("The media root's disk would keep less than UPLOAD_MIN_FREE_BYTES (`insufficient_storage`)"),
};

const binary = { type: "string", format: "binary" } as const;

const createUploadRoute = createRoute({
  method: "post",
  path: "/uploads",
  operationId: "createUpload",
  tags: ["files"],
  summary: "Upload a file into the media root",
  description:
    "Streams the body to `uploads/<upload_id>/<name>` under the media root, never holding it in memory, and " +
    "answers with the path `POST /convert` takes as `input`. Send the file as the raw body (any media type) " +
    "with its name in `?filename=`, or as the `file` part of multipart/form-data (`curl -F file=@clip.mkv`). " +
    "Odd names are made safe, never refused. Nothing is left on disk when the upload fails or the client " +
    "goes away. For files that may need to resume after a dropped connection, use the tus endpoint " +
    "`/uploads/tus`.",
  request: {
    query: z.object({
      filename: z
        .string()
        .max(4096)
        .optional()
        .openapi({ description: "The file's name, for a raw body", example: "holiday.mkv" }),
    }),
    body: {
      required: true,
      content: {
        "application/octet-stream": { schema: binary, example: "(the file's bytes)" },
        "multipart/form-data": {
          schema: { type: "object", properties: { file: binary }, required: ["file"] },
          example: { file: "(the file's bytes)" },
        },
      },
    },
  },
  responses: {
    201: {
      description: "Stored; `Location` is `/uploads/{upload_id}`",
      headers: { Location: { schema: { type: "string" }, description: "/uploads/{upload_id}" } },
      content: { "application/json": { schema: UploadView, example: uploadExample } },
    },
    ...uploadErrors,
    422: errorResponse("`filename` over 4096 characters (`validation_failed`)"),
  },
});

const getUploadRoute = createRoute({
  method: "get",
  path: "/uploads/{upload_id}",
  operationId: "getUpload",
  tags: ["files"],
  summary: "An upload: its path, size, hash and state",
  request: { params: UploadIdParam },
  responses: {
    200: jsonContent(UploadView, "The upload; a resumable one still receiving shows the bytes it has", uploadExample),
    ...readAuthErrors,
    404: errorResponse("No upload with this id (`upload_not_found`)"),
    422: errorResponse("Not an upload id (`validation_failed`)"),
  },
});

const deleteUploadRoute = createRoute({
  method: "delete",
  path: "/uploads/{upload_id}",
  operationId: "deleteUpload",
  tags: ["files"],
  summary: "Remove an upload and its file",
  request: { params: UploadIdParam },
  responses: {
    204: { description: "Removed" },
    ...authErrors,
    404: errorResponse("No upload with this id (`upload_not_found`)"),
    409: errorResponse("A queued or running job reads the file (`upload_in_use`, `details.job_id`)"),
    422: errorResponse("Not an upload id (`validation_failed`)"),
  },
});

export function uploadRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createUploadRoute, async (c) => {
      const length = contentLength(c);
      // Refused before a byte is read; the connection closes rather than read what nobody keeps.
      if (length !== undefined && length > deps.uploads.maxUploadBytes && !isMultipart(c)) {
        throw new AppError(
          "upload_too_large",
          `the body is ${length} bytes; MAX_UPLOAD_BYTES allows ${deps.uploads.maxUploadBytes}`,
        );
      }
      const upload = isMultipart(c)
        ? (
            await deps.uploads.receiveMultipart(requestBody(c), requestHeaders(c), {
              maxFieldBytes: deps.config.maxBodyBytes,
              maxFields: MAX_FORM_FIELDS,
            })
          ).upload
        : await deps.uploads.receive(requestBody(c), c.req.valid("query").filename, length);
      c.get("log").info({ upload_id: upload.upload_id, size_bytes: upload.size_bytes }, "upload stored");
      c.header("Location", `/uploads/${upload.upload_id}`);
      return c.json(upload, 201);
    })
    .openapi(getUploadRoute, async (c) => c.json(await deps.uploads.get(c.req.valid("param").upload_id), 200))
    .openapi(deleteUploadRoute, async (c) => {
      const id = c.req.valid("param").upload_id;
      await deps.uploads.remove(id);
      await deps.tus?.removePartial(id);
      c.get("log").info({ upload_id: id }, "upload removed");
      return c.body(null, 204);
    });
  if (deps.tus) app.route("/", tusRoutes(deps.tus));
  return app;
}

import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../deps.js";
import { TUS_PATH, type TusUploads } from "../uploads/tus-uploads.js";
import { uploadExample } from "./openapi-examples.js";
import { authErrors, errorResponse } from "./schemas.js";

const tusHeaders = {
  "Tus-Resumable": { schema: { type: "string" }, description: "1.0.0" },
} as const;

/**
 * The tus protocol sets some statuses of its own (@tus/server), answered in
 * the API's error shape with the nearest code (uploads/tus-uploads.ts).
 */
const tusErrors = {
  ...authErrors,
  400: errorResponse("Not a valid tus request (`invalid_upload`)"),
  403: errorResponse(
    "A write a browser sent from another origin (`cross_origin_refused`); while API_KEY is unset, a Host the API " +
      "does not answer to (`host_not_allowed`); a PATCH without Upload-Offset or its Content-Type " +
      "(`invalid_upload`, the status tus gives)",
  ),
  404: errorResponse("No such upload, or it finished and moved to uploads/<upload_id> (`upload_not_found`)"),
  409: errorResponse("Upload-Offset is not where the upload stands, or another request holds it (`upload_conflict`)"),
  410: errorResponse("The upload's partial file no longer exists (`upload_not_found`)"),
  412: errorResponse("No `Tus-Resumable: 1.0.0` header (`invalid_upload`)"),
  413: errorResponse("Upload-Length or the bytes sent exceed MAX_UPLOAD_BYTES (`upload_too_large`)"),
  423: errorResponse("Another request holds the upload's lock (`upload_conflict`)"),
  501: errorResponse("A tus extension the server does not support, e.g. concatenation (`internal_error`)"),
  507: errorResponse("The media root's disk would keep less than UPLOAD_MIN_FREE_BYTES (`insufficient_storage`)"),
};

const finishedBody = {
  description:
    "The last bytes arrived: the body is the upload (the Upload schema), as POST /uploads answers. A tus " +
    "client takes any 2xx.",
  headers: tusHeaders,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Upload" }, example: uploadExample } },
};

/**
 * The tus 1.0 protocol under the API (docs/adr/0021-files-over-http.md):
 * behind X-API-Key like every route, on the media root like every upload.
 * Hono answers HEAD with the GET route, so the HEAD of an upload arrives
 * there; a plain GET of a partial upload is not served.
 */
export function tusRoutes(tus: TusUploads) {
  const app = new OpenAPIHono<AppEnv>();
  app.on(["POST", "OPTIONS"], TUS_PATH, (c) => tus.handle(c.req.raw));
  app.on(["PATCH", "DELETE", "OPTIONS"], `${TUS_PATH}/:upload_id`, (c) => tus.handle(c.req.raw));
  app.get(`${TUS_PATH}/:upload_id`, async (c, next) => (c.req.method === "HEAD" ? tus.handle(c.req.raw) : next()));

  const params = [{ name: "upload_id", in: "path" as const, required: true, schema: { type: "string" as const } }];
  app.openAPIRegistry.registerPath({
    method: "post",
    path: TUS_PATH,
    operationId: "tusCreateUpload",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): create",
    description:
      "tus creation (and creation-with-upload): send `Tus-Resumable: 1.0.0`, `Upload-Length` and, in " +
      "`Upload-Metadata`, `filename` (base64). `Location` is `/uploads/tus/{upload_id}`; send the bytes with " +
      "PATCH, ask where it stands with HEAD after a dropped connection, continue from there. Any tus client " +
      "works (tus-js-client, Uppy, tusd's tools); add X-API-Key to its headers.",
    responses: {
      201: {
        description: "Created",
        headers: { ...tusHeaders, Location: { schema: { type: "string" }, description: "/uploads/tus/{upload_id}" } },
      },
      ...tusErrors,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "options",
    path: TUS_PATH,
    operationId: "tusOptions",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): what the server supports",
    description: "`Tus-Version`, `Tus-Extension` and `Tus-Max-Size` (MAX_UPLOAD_BYTES).",
    responses: {
      204: {
        description: "The tus capabilities, in headers",
        headers: {
          ...tusHeaders,
          "Tus-Version": { schema: { type: "string" }, description: "1.0.0" },
          "Tus-Extension": {
            schema: { type: "string" },
            description: "creation,creation-with-upload,creation-defer-length,termination,expiration",
          },
          "Tus-Max-Size": { schema: { type: "integer" }, description: "MAX_UPLOAD_BYTES" },
        },
      },
      ...tusErrors,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "options",
    path: `${TUS_PATH}/{upload_id}`,
    operationId: "tusUploadOptions",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): the capabilities, asked of one upload's URL",
    parameters: params,
    responses: { 204: { description: "As OPTIONS /uploads/tus", headers: tusHeaders }, ...tusErrors },
  });
  app.openAPIRegistry.registerPath({
    method: "head",
    path: `${TUS_PATH}/{upload_id}`,
    operationId: "tusUploadOffset",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): how many bytes arrived",
    parameters: params,
    responses: {
      200: {
        description: "`Upload-Offset`: bytes received; continue from there",
        headers: { ...tusHeaders, "Upload-Offset": { schema: { type: "integer" } } },
      },
      ...tusErrors,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "patch",
    path: `${TUS_PATH}/{upload_id}`,
    operationId: "tusSendBytes",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): send bytes from Upload-Offset",
    description: "Body: `application/offset+octet-stream`, starting at the byte `Upload-Offset` names.",
    parameters: params,
    responses: {
      200: finishedBody,
      204: { description: "Stored; `Upload-Offset` is the new offset", headers: tusHeaders },
      ...tusErrors,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "delete",
    path: `${TUS_PATH}/{upload_id}`,
    operationId: "tusDeleteUpload",
    tags: ["files"],
    summary: "Resumable upload (tus 1.0): abandon an unfinished upload",
    parameters: params,
    responses: { 204: { description: "Removed", headers: tusHeaders }, ...tusErrors },
  });
  return app;
}

import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { AppError } from "@converter/shared/errors";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseRange } from "../downloads/byte-range.js";
import { attachment } from "../downloads/content-disposition.js";
import type { OutputFile } from "../downloads/output-files.js";
import { isNotModified, rangeStillValid } from "../downloads/preconditions.js";
import { JobIdParam } from "./job-params.js";
import { errorResponse, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const fileHeaders = {
  "Content-Type": { schema: { type: "string" }, description: "From the job's container, e.g. video/mp4" },
  "Content-Disposition": {
    schema: { type: "string" },
    description: `attachment; filename="clip.mp4"; filename*=UTF-8''clip.mp4 (RFC 6266)`,
  },
  ETag: { schema: { type: "string" }, description: "Changes whenever the file does" },
  "Last-Modified": { schema: { type: "string" } },
  "Accept-Ranges": { schema: { type: "string" }, description: "bytes" },
  "Content-Length": { schema: { type: "integer" } },
} as const;
const binary = {
  "application/octet-stream": { schema: { type: "string", format: "binary" }, example: "(the file's bytes)" },
} as const;

const outputErrors = {
  ...readAuthErrors,
  404: errorResponse("No job with this id (`job_not_found`)"),
  409: errorResponse("The job is not completed (`job_not_completed`, `details.status`)"),
  410: errorResponse("The output was removed or replaced since the job wrote it (`output_gone`)"),
  416: errorResponse("The Range starts past the end (`range_not_satisfiable`); `Content-Range: bytes */<size>`"),
};

const outputRoute = createRoute({
  method: "get",
  path: "/jobs/{job_id}/output",
  operationId: "downloadOutput",
  tags: ["files"],
  summary: "Download a completed job's output (HEAD: its headers only)",
  description:
    "Streams the file the job wrote. One `Range` (`bytes=a-b`, `bytes=a-`, `bytes=-n`) gives 206 with " +
    "`Content-Range`, so `curl -C -` and download managers resume; `If-Range`, `If-None-Match` and " +
    "`If-Modified-Since` are honoured. HEAD answers the same headers without the body.",
  request: { params: JobIdParam },
  responses: {
    200: { description: "The whole file", headers: fileHeaders, content: binary },
    206: {
      description: "The range asked for",
      headers: { ...fileHeaders, "Content-Range": { schema: { type: "string" }, description: "bytes a-b/size" } },
      content: binary,
    },
    304: { description: "The client's copy (If-None-Match, If-Modified-Since) is current" },
    ...outputErrors,
  },
});

export function outputRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(outputRoute, async (c) => {
    const file = await deps.outputs.find(c.req.valid("param").job_id);
    const headers = fileHeadersOf(file);
    const validators = { etag: file.etag, lastModified: file.lastModified };
    if (
      isNotModified(
        { ifNoneMatch: c.req.header("if-none-match"), ifModifiedSince: c.req.header("if-modified-since") },
        validators,
      )
    ) {
      return c.body(null, 304, headers);
    }
    const range = rangeStillValid(c.req.header("if-range"), validators)
      ? parseRange(c.req.header("range"), file.size)
      : ({ kind: "whole" } as const);
    if (range.kind === "unsatisfiable") {
      c.header("Content-Range", `bytes */${file.size}`);
      throw new AppError(
        "range_not_satisfiable",
        `the file has ${file.size} bytes; the range asked for starts past its end`,
        {
          size_bytes: file.size,
        },
      );
    }
    const [start, end, status] =
      range.kind === "part" ? [range.start, range.end, 206 as const] : [0, file.size - 1, 200 as const];
    headers["Content-Length"] = String(end - start + 1);
    if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
    // HEAD (Hono runs the GET route for it): the headers, and no file opened.
    if (c.req.method === "HEAD" || file.size === 0) return c.body(null, status, headers);
    const stream = createReadStream(file.absolute, { start, end, highWaterMark: 1024 * 1024 });
    return c.body(Readable.toWeb(stream) as ReadableStream, status, headers);
  });
  app.openAPIRegistry.registerPath({
    method: "head",
    path: "/jobs/{job_id}/output",
    operationId: "headOutput",
    tags: ["files"],
    summary: "A completed job's output: the headers of GET, without the body",
    parameters: [{ name: "job_id", in: "path", required: true, schema: { type: "string" } }],
    responses: {
      200: { description: "As GET", headers: fileHeaders },
      206: { description: "As GET with Range", headers: fileHeaders },
      ...outputErrors,
    },
  });
  return app;
}

function fileHeadersOf(file: OutputFile): Record<string, string> {
  return {
    "Content-Type": file.contentType,
    "Content-Disposition": attachment(file.fileName),
    ETag: file.etag,
    "Last-Modified": file.lastModified.toUTCString(),
    "Accept-Ranges": "bytes",
    // Every download checks the file again (it may have been replaced); clients revalidate with the ETag.
    "Cache-Control": "private, no-cache",
  };
}

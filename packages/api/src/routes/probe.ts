import { MediaDescription, ProbeRequest } from "@converter/shared/files";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { mediaDescriptionExample } from "./openapi-examples.js";
import { authErrors, errorResponse, jsonContent } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const probeRoute = createRoute({
  method: "post",
  path: "/probe",
  operationId: "probe",
  tags: ["files"],
  summary: "What a file under the media root holds: container, duration, size, each stream",
  description:
    "ffprobe reads the file under the rules a job's input gets: the same path checks, only local files in the " +
    "allowed containers, the same time limit (30 s).",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: ProbeRequest, example: { input: "incoming/clip.mkv" } } },
    },
  },
  responses: {
    200: jsonContent(MediaDescription, "The file's container and streams", mediaDescriptionExample),
    400: errorResponse("The body is not JSON (`invalid_json`)"),
    ...authErrors,
    404: errorResponse("The file does not exist (`input_not_found`)"),
    413: errorResponse("The body is too large (`payload_too_large`)"),
    422: errorResponse(
      "Bad body, a path outside MEDIA_ROOT, or a file ffprobe cannot read or may not open (`validation_failed`, " +
        "`invalid_path`, `invalid_media`)",
    ),
  },
});

export function probeRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(probeRoute, async (c) =>
    c.json(await deps.probe.describe(c.req.valid("json").input), 200),
  );
}

import { FileList } from "@converter/shared/files";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.js";
import { fileListExample } from "./openapi-examples.js";
import { errorResponse, jsonContent, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const listRoute = createRoute({
  method: "get",
  path: "/files",
  operationId: "listFiles",
  tags: ["files"],
  summary: "A folder under the media root, one page at a time, for pickers",
  description:
    "Folders first, then files, by name. Hidden entries (names starting with a dot: temporary outputs, " +
    "partial uploads) are left out; a symlink is listed only when it leads inside the media root.",
  request: {
    query: z
      .object({
        dir: z
          .string()
          .max(1024)
          .default("")
          .openapi({ description: "Relative to the media root; empty for the root" }),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        cursor: z.string().max(2048).optional().openapi({ description: "`next_cursor` of the previous page" }),
      })
      .strict(),
  },
  responses: {
    200: jsonContent(FileList, "A page of entries; `next_cursor` is null on the last page", fileListExample),
    ...readAuthErrors,
    404: errorResponse("The folder does not exist (`folder_not_found`)"),
    422: errorResponse(
      "`dir` is absolute, has `..`, leads outside MEDIA_ROOT or is not a folder (`invalid_path`); bad " +
        "`limit` or `cursor` (`validation_failed`)",
    ),
  },
});

export function fileRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(listRoute, async (c) => {
    const { dir, limit, cursor } = c.req.valid("query");
    return c.json(await deps.folders.list(dir, limit, cursor), 200);
  });
}

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { AppError } from "@converter/shared/errors";
import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../deps.js";
import { DOCS_ASSETS_PATH } from "../http-paths.js";
import { publicErrors } from "./schemas.js";

// Served from the installed swagger-ui-dist package rather than a CDN: a
// self-hosted service must show its docs on a network with no way out.
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};
const swaggerDist = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const cache = new Map<string, Buffer>();

/** GET /openapi.json and GET /docs in the document they serve; anyone may read them. */
export function registerDocsPaths(registry: OpenAPIHono["openAPIRegistry"]) {
  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    tags: ["meta"],
    summary: "This document (OpenAPI 3.1)",
    security: [],
    responses: {
      200: {
        description: "The OpenAPI document",
        content: {
          "application/json": {
            schema: { type: "object" },
            example: { openapi: "3.1.0", info: { title: "FFmpeg Converter", version: "0.1.0" }, paths: {} },
          },
        },
      },
      ...publicErrors,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/docs",
    operationId: "getDocsPage",
    tags: ["meta"],
    summary: "Swagger UI over this document",
    security: [],
    responses: {
      200: {
        description: "The page; its scripts and styles come from /docs/assets, served by the API itself",
        content: { "text/html": { schema: { type: "string" }, example: "<!doctype html><html>…</html>" } },
      },
      ...publicErrors,
    },
  });
}

export function docsRoutes() {
  return new Hono<AppEnv>()
    .get(
      "/docs",
      swaggerUI({
        url: "/openapi.json",
        baseUrl: DOCS_ASSETS_PATH,
        title: "FFmpeg Converter API",
        persistAuthorization: true,
      }),
    )
    .get(`${DOCS_ASSETS_PATH}/swagger-ui-dist/:file`, async (c) => {
      const file = c.req.param("file");
      const type = ASSETS[file];
      if (!type) throw new AppError("not_found", `no docs asset ${file}`);
      let body = cache.get(file);
      if (!body) {
        body = await readFile(path.join(swaggerDist, file));
        cache.set(file, body);
      }
      c.header("Content-Type", type);
      c.header("Cache-Control", "public, max-age=86400");
      return c.body(new Uint8Array(body));
    });
}

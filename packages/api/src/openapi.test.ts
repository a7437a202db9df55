import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppError, type ErrorCode } from "@converter/shared/errors";
import { beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_PATH, DOCS_ASSETS_PATH, PUBLIC_GET_PATHS, UI_ASSETS_PATH, UI_PUBLIC_PATHS } from "./http-paths.js";
import { buildTestApp, openApiDocument } from "./test-support.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

type Content = Record<
  string,
  {
    schema?: { $ref?: string; example?: unknown };
    example?: unknown;
    examples?: Record<string, { value: { error: { code: string } } }>;
  }
>;
type Operation = {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Content };
  responses: Record<string, { content?: Content }>;
};
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Statuses the tus protocol (@tus/server) answers with, in the API's error shape (uploads/tus-uploads.ts). */
const TUS_STATUSES: Record<string, ErrorCode[]> = {
  403: ["invalid_upload"],
  410: ["upload_not_found"],
  412: ["invalid_upload"],
  423: ["upload_conflict"],
  501: ["internal_error"],
};

let doc: Doc;
beforeAll(async () => {
  doc = (await openApiDocument()) as Doc;
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path: p, op })));

describe("OpenAPI document", () => {
  it("passes redocly lint (recommended rules, redocly.yaml) with no error and no warning", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "openapi-lint-"));
    try {
      const file = path.join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(doc));
      const redocly = path.join(REPO_ROOT, "node_modules", ".bin", "redocly");
      const args = ["lint", file, "--config", path.join(REPO_ROOT, "redocly.yaml"), "--format=json"];
      // Exits non-zero on an error; the JSON report counts warnings too.
      // No usage report to Redocly, no update check: the suite runs offline.
      const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
      const run = await promisify(execFile)(redocly, args, { cwd: REPO_ROOT, env }).catch(
        (failure: { stdout: string; stderr: string }) => failure,
      );
      const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
      expect(report.problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("documents exactly the routes Hono serves", () => {
    const ctx = buildTestApp({ apiKey: "k".repeat(32) });
    // Served, not in the document, on purpose:
    const undocumented = [
      // Swagger UI's own scripts and styles: part of the /docs page, not of the API.
      `GET ${DOCS_ASSETS_PATH}/swagger-ui-dist/{file}`,
      // The web page's own scripts and stylesheet, likewise (docs/adr/0023-web-page.md).
      `GET ${UI_ASSETS_PATH}/{file}`,
    ];
    try {
      const served = new Set(
        ctx.app.routes
          .filter((r) => r.method !== "ALL")
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
          .filter((route) => !undocumented.includes(route)),
      );
      // Bull Board (DASHBOARD_PATH) is an HTML app with its own internal API, mounted only when queues are
      // given: not part of the contract, and not mounted here.
      expect([...served].filter((route) => route.includes(DASHBOARD_PATH))).toEqual([]);
      // Hono answers HEAD with the GET route of the same path (GET /uploads/tus/{upload_id} serves only HEAD).
      const documented = new Set(
        operations().map(({ method, path: p }) => `${method === "head" ? "GET" : method.toUpperCase()} ${p}`),
      );
      expect([...documented].sort()).toEqual([...served].sort());
    } finally {
      ctx.cleanup();
    }
  });

  it("names every operation and marks exactly the public routes as needing no key", () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const open = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ path: p }) => p);
    expect(open.sort()).toEqual([...PUBLIC_GET_PATHS, ...UI_PUBLIC_PATHS].sort());
  });

  it("gives every operation a 2XX answer, but the web page's form posts (303, redocly.yaml)", () => {
    const formPosts = ["post /ui/login", "post /ui/logout"];
    const without = operations()
      .filter(({ op }) => !Object.keys(op.responses).some((status) => /^2/.test(status)))
      .map(({ method, path: p }) => `${method} ${p}`);
    expect(without.sort()).toEqual(formPosts);
  });

  it("gives every request and response body an example", () => {
    const missing = operations().flatMap(({ method, path: p, op }) => {
      const bodies = [
        ["request", op.requestBody?.content ?? {}] as const,
        ...Object.entries(op.responses).map(([status, r]) => [status, r.content ?? {}] as const),
      ];
      return bodies.flatMap(([where, content]) =>
        Object.entries(content)
          .filter(([, m]) => m.example === undefined && m.examples === undefined && m.schema?.example === undefined)
          .map(([type]) => `${method} ${p} ${where} ${type}`),
      );
    });
    expect(missing).toEqual([]);
  });

  it("lists, for every error status, codes that answer with that status, one example each", () => {
    const wrong = operations().flatMap(({ method, path: p, op }) =>
      Object.entries(op.responses)
        .filter(
          ([status, r]) => Number(status) >= 400 && r.content?.["application/json"]?.schema?.$ref?.endsWith("/Error"),
        )
        .flatMap(([status, r]) => {
          const examples = Object.values(r.content?.["application/json"]?.examples ?? {});
          if (examples.length === 0) return [`${method} ${p} ${status}: no error example`];
          return examples
            .map((e) => e.value.error.code as ErrorCode)
            .filter((code) => new AppError(code, "").httpStatus !== Number(status))
            .filter((code) => !(p.startsWith("/uploads/tus") && TUS_STATUSES[status]?.includes(code)))
            .map((code) => `${method} ${p} ${status}: ${code} answers ${new AppError(code, "").httpStatus}`);
        }),
    );
    expect(wrong).toEqual([]);
  });
});

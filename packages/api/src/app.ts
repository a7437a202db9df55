import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { AppError } from "@converter/shared/errors";
import { serveStatic } from "@hono/node-server/serve-static";
import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppDeps, AppEnv } from "./deps.js";
import { DASHBOARD_PATH, METRICS_PATH, UI_PATH } from "./http-paths.js";
import { httpMetrics } from "./metrics/http-metrics.js";
import { apiKeyAuth } from "./middleware/api-key-auth.js";
import { dashboardGuard } from "./middleware/dashboard-guard.js";
import { handleError } from "./middleware/error-handler.js";
import { requestContext } from "./middleware/request-context.js";
import { requestOrigin } from "./middleware/request-origin.js";
import { securityHeaders } from "./middleware/security-headers.js";
import { smallBody } from "./middleware/small-body.js";
import { convertRoutes } from "./routes/convert.js";
import { docsRoutes, registerDocsPaths } from "./routes/docs.js";
import { eventRoutes } from "./routes/events.js";
import { fileRoutes } from "./routes/files.js";
import { fleetRoutes } from "./routes/fleet.js";
import { jobRoutes } from "./routes/jobs.js";
import { metaRoutes } from "./routes/meta.js";
import { outputRoutes } from "./routes/output.js";
import { presetRoutes } from "./routes/presets.js";
import { probeRoutes } from "./routes/probe.js";
import { isMultipart } from "./routes/request-body.js";
import { uploadRoutes } from "./routes/uploads.js";
import { validationHook } from "./routes/validation-hook.js";
import { SessionStore } from "./sessions/session-store.js";
import { registerUiPaths } from "./ui/ui-openapi.js";
import { uiRoutes } from "./ui/ui-routes.js";

/**
 * Bull Board's page links a Google Fonts stylesheet. A self-hosted dashboard
 * should not tell a third party who opens it (nor stall offline): the page
 * falls back to the system font without it.
 */
const withoutThirdPartyFonts = createMiddleware(async (c, next) => {
  await next();
  if (!c.res.headers.get("content-type")?.includes("text/html")) return;
  const html = await c.res.text();
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  c.res = new Response(html.replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, ""), { status: c.res.status, headers });
});

/** Builds the HTTP app from its dependencies; no I/O happens here. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(handleError);
  app.notFound((c) => {
    throw new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`);
  });

  app.use("*", requestContext(deps.log));
  app.use("*", securityHeaders());
  if (deps.metrics) app.use("*", httpMetrics(deps.metrics.http));
  app.use("*", requestOrigin(deps.config));
  // The web page's logins (docs/adr/0023-web-page.md); held in memory, so a restart asks for the key again.
  const sessions = deps.sessions ?? new SessionStore();
  if (deps.config.apiKey) {
    app.use("*", apiKeyAuth(deps.config.apiKey, deps.config.metricsPublic ? [METRICS_PATH] : [], sessions));
  }
  const jsonBodyLimit = smallBody(deps.config.maxBodyBytes);
  // A multipart POST /convert carries a file: bounded by MAX_UPLOAD_BYTES as it streams, not by this.
  app.use("/convert", (c, next) => (isMultipart(c) ? next() : jsonBodyLimit(c, next)));
  app.use("/probe", jsonBodyLimit);
  app.use(`${UI_PATH}/*`, (c, next) => (c.req.method === "POST" ? jsonBodyLimit(c, next) : next()));

  app.route("/", metaRoutes(deps));
  app.route("/", convertRoutes(deps));
  app.route("/", jobRoutes(deps));
  app.route("/", eventRoutes(deps));
  app.route("/", presetRoutes());
  app.route("/", fleetRoutes(deps));
  app.route("/", uploadRoutes(deps));
  app.route("/", outputRoutes(deps));
  app.route("/", probeRoutes(deps));
  app.route("/", fileRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  registerDocsPaths(app.openAPIRegistry);
  registerUiPaths(app.openAPIRegistry);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    // Self-hosted: wherever it runs, the document is served by the API it describes.
    servers: [{ url: "/", description: "The server that serves this document" }],
    info: {
      title: "FFmpeg Converter",
      version: deps.version,
      description:
        "Self-hosted video conversion: upload a file, submit a job, poll its status, download the result. When " +
        "the server sets API_KEY, send it " +
        "as X-API-Key on every route except /, /health, /docs and /openapi.json. Writes a browser sends from another " +
        "origin answer 403 cross_origin_refused; while API_KEY is unset, a Host other than a loopback name, an IP " +
        "address, HOST or a name in ALLOWED_HOSTS answers 403 host_not_allowed. Before a request reaches a route, " +
        "the HTTP server itself may answer 400 bad_request, 408 request_timeout or 431 header_too_large, and an " +
        "unknown path answers 404 not_found.",
    },
    security: deps.config.apiKey ? [{ ApiKey: [] }] : [],
  });
  app.route("/", docsRoutes());
  app.route("/", uiRoutes(deps, sessions));

  if (deps.dashboardQueues) {
    const dashboard = new HonoAdapter(serveStatic);
    dashboard.setBasePath(DASHBOARD_PATH);
    // Retry buttons hidden; the guard refuses the actions that bypass the API whatever the page sends.
    createBullBoard({
      queues: deps.dashboardQueues.map((queue) => new BullMQAdapter(queue, { allowRetries: false })),
      serverAdapter: dashboard,
    });
    app.use(`${DASHBOARD_PATH}/*`, dashboardGuard());
    app.use(`${DASHBOARD_PATH}/*`, withoutThirdPartyFonts);
    app.use(DASHBOARD_PATH, withoutThirdPartyFonts);
    app.route(DASHBOARD_PATH, dashboard.registerPlugin());
  }
  return app;
}

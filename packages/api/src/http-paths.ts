/** Paths the API serves besides its OpenAPI routes, named once for the routes, the app and the auth check. */

/** Bull Board, the queue dashboard. */
export const DASHBOARD_PATH = "/admin/queues";
/** Swagger UI's own assets, served from the installed swagger-ui-dist. */
export const DOCS_ASSETS_PATH = "/docs/assets";
/** Routes anyone may read, even with API_KEY set (docs/design.md §3.1). */
export const PUBLIC_GET_PATHS: ReadonlySet<string> = new Set(["/", "/health", "/docs", "/openapi.json"]);
/** Prometheus metrics: behind the API key unless METRICS_PUBLIC=true. */
export const METRICS_PATH = "/metrics";

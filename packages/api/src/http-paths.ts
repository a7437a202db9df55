/** Paths the API serves besides its OpenAPI routes, named once for the routes, the app and the auth check. */

/** Bull Board, the queue dashboard. */
export const DASHBOARD_PATH = "/admin/queues";
/** Swagger UI's own assets, served from the installed swagger-ui-dist. */
export const DOCS_ASSETS_PATH = "/docs/assets";
/** Routes anyone may read, even with API_KEY set (docs/design.md §3.1). */
export const PUBLIC_GET_PATHS: ReadonlySet<string> = new Set(["/", "/health", "/docs", "/openapi.json"]);
/** Prometheus metrics: behind the API key unless METRICS_PUBLIC=true. */
export const METRICS_PATH = "/metrics";
/** The web page (docs/adr/0023-web-page.md). */
export const UI_PATH = "/ui";
/** The page's own script and stylesheet, served from the package's public/ui folder. */
export const UI_ASSETS_PATH = "/ui/assets";
/** The page, its login and logout, and its assets: open to anyone; the page itself decides what to show. */
export const UI_PUBLIC_PATHS: ReadonlySet<string> = new Set([UI_PATH, `${UI_PATH}/login`, `${UI_PATH}/logout`]);

import type { OpenAPIHono } from "@hono/zod-openapi";
import { UI_PATH } from "../http-paths.js";
import { errorResponse, publicErrors } from "../routes/schemas.js";

type Registry = OpenAPIHono["openAPIRegistry"];

const html = (example: string) => ({ "text/html": { schema: { type: "string" as const }, example } });

/** What the page's two form posts can answer besides their own: a foreign origin or Host, a body too large, a bug. */
const formPostErrors = {
  403: errorResponse(
    "Refused for where it comes from (docs/adr/0019-origin-and-host-policy.md): a form another origin posted " +
      "(`cross_origin_refused`), or, while API_KEY is unset, a Host the API does not answer to (`host_not_allowed`)",
  ),
  413: errorResponse("The form is larger than MAX_BODY_BYTES (`payload_too_large`)"),
  500: publicErrors[500],
};

/** The web page's routes in the OpenAPI document (docs/adr/0023-web-page.md): for browsers, not programs. */
export function registerUiPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: UI_PATH,
    operationId: "getWebPage",
    tags: ["web page"],
    summary: "The web page; with API_KEY set and no session, its login form",
    security: [],
    responses: {
      200: { description: "HTML", content: html("<!doctype html><html lang=en>…</html>") },
      ...publicErrors,
    },
  });
  registry.registerPath({
    method: "post",
    path: `${UI_PATH}/login`,
    operationId: "logInWebPage",
    tags: ["web page"],
    summary: "Log the browser in with the API key: a session cookie, never the key",
    description:
      "The form field `key`. The right key answers 303 to /ui with `Set-Cookie: converter_session=<random id>; " +
      "Path=/; HttpOnly; SameSite=Strict` (Secure over https); the cookie is then accepted wherever X-API-Key " +
      "is, and writes sent with it still pass the origin check. Without API_KEY: 303, no cookie.",
    security: [],
    request: {
      body: {
        content: {
          "application/x-www-form-urlencoded": {
            schema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] },
            example: { key: "the API key" },
          },
        },
      },
    },
    responses: {
      303: { description: "Logged in; `Location: /ui`" },
      401: {
        description: "Not the key: the login form again, with the message next to the field",
        content: html("<!doctype html><html lang=en>… that is not the API key …</html>"),
      },
      ...formPostErrors,
    },
  });
  registry.registerPath({
    method: "post",
    path: `${UI_PATH}/logout`,
    operationId: "logOutWebPage",
    tags: ["web page"],
    summary: "End the browser's session and clear its cookie",
    security: [],
    responses: {
      303: { description: "Logged out; `Location: /ui`" },
      ...formPostErrors,
    },
  });
}

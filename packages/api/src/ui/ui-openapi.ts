import type { OpenAPIHono } from "@hono/zod-openapi";
import { UI_PATH } from "../http-paths.js";

type Registry = OpenAPIHono["openAPIRegistry"];

const html = { "text/html": { schema: { type: "string" as const } } };

/** The web page's routes in the OpenAPI document (docs/adr/0023-web-page.md): for browsers, not programs. */
export function registerUiPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: UI_PATH,
    tags: ["web page"],
    summary: "The web page; with API_KEY set and no session, its login form",
    security: [],
    responses: { 200: { description: "HTML", content: html } },
  });
  registry.registerPath({
    method: "post",
    path: `${UI_PATH}/login`,
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
          },
        },
      },
    },
    responses: {
      303: { description: "Logged in; `Location: /ui`" },
      401: { description: "Not the key: the login form again, with the message next to the field", content: html },
      403: { description: "Sent from another origin (`cross_origin_refused`)" },
    },
  });
  registry.registerPath({
    method: "post",
    path: `${UI_PATH}/logout`,
    tags: ["web page"],
    summary: "End the browser's session and clear its cookie",
    security: [],
    responses: {
      303: { description: "Logged out; `Location: /ui`" },
      403: { description: "Sent from another origin (`cross_origin_refused`)" },
    },
  });
}

import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { DASHBOARD_PATH, UI_ASSETS_PATH, UI_PATH } from "../http-paths.js";

/**
 * The document every page of the web UI shares: one stylesheet and one
 * module script, both from this server (the CSP allows nothing else), a
 * colour scheme that follows the system, and a header with the links.
 */
export function PageShell(props: { title: string; loggedIn: boolean; script: boolean; children: Child }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <link rel="icon" href="data:," />
          <title>{props.title}</title>
          <link rel="stylesheet" href={`${UI_ASSETS_PATH}/app.css`} />
          {props.script ? <script type="module" src={`${UI_ASSETS_PATH}/app.js`} /> : null}
        </head>
        <body data-auth={props.loggedIn ? "key" : "open"}>
          <a class="skip" href="#main">
            Skip to the page
          </a>
          <header class="bar">
            <h1>
              <a href={UI_PATH}>FFmpeg Converter</a>
            </h1>
            <nav aria-label="Elsewhere">
              <a href="/docs">API docs</a>
              <a href={DASHBOARD_PATH}>Queues (Bull Board)</a>
              {props.loggedIn ? (
                <form method="post" action={`${UI_PATH}/logout`} class="inline">
                  <button type="submit">Log out</button>
                </form>
              ) : null}
            </nav>
          </header>
          <main id="main">{props.children}</main>
        </body>
      </html>
    </>
  );
}

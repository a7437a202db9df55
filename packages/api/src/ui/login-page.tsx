import { UI_PATH } from "../http-paths.js";
import { PageShell } from "./page-shell.js";

/** Asks for the API key once; the answer is a session cookie, never the key (docs/adr/0023-web-page.md). */
export function LoginPage(props: { error?: string }) {
  return (
    <PageShell title="Log in · FFmpeg Converter" loggedIn={false} script={false}>
      <section class="card narrow" aria-labelledby="login-heading">
        <h2 id="login-heading">Log in</h2>
        <p>This server is protected by an API key. Enter it once; the browser keeps a session, not the key.</p>
        <form method="post" action={`${UI_PATH}/login`} class="stack">
          <div class="field">
            <label for="key">API key</label>
            <input
              id="key"
              name="key"
              type="password"
              autocomplete="current-password"
              required
              aria-invalid={props.error ? "true" : undefined}
              aria-describedby={props.error ? "key-error" : undefined}
            />
            {props.error ? (
              <p class="error" id="key-error">
                {props.error}
              </p>
            ) : null}
          </div>
          <button type="submit" class="primary">
            Log in
          </button>
        </form>
      </section>
    </PageShell>
  );
}

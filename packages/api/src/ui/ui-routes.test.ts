import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const KEY = "ui-key-0123456789abcdef";
const HOST = { host: "127.0.0.1:8000" };
const SAME_ORIGIN = { ...HOST, origin: "http://127.0.0.1:8000", "sec-fetch-site": "same-origin" };

async function login(key = KEY, headers: Record<string, string> = SAME_ORIGIN) {
  return ctx.app.request("/ui/login", {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key }).toString(),
  });
}

/** "converter_session=abc; Path=/; ..." → "converter_session=abc". */
function cookieOf(res: Response): string {
  const header = res.headers.get("set-cookie") ?? "";
  return header.split(";")[0] ?? "";
}

describe("the web page without API_KEY (in process)", () => {
  it("serves the page with its form and no login, under a policy that allows only its own script and style", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/ui", { headers: HOST });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain('id="convert-form"');
    expect(html).toContain('name="options.crf"');
    expect(html).toContain('value="h264"');
    expect(html).not.toContain("/ui/logout");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("serves its own assets, and no other file", async () => {
    ctx = buildTestApp();
    const js = await ctx.app.request("/ui/assets/app.js", { headers: HOST });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(js.headers.get("etag")).toBeTruthy();
    const css = await ctx.app.request("/ui/assets/app.css", { headers: HOST });
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    await expectError(await ctx.app.request("/ui/assets/nope.js", { headers: HOST }), 404, "not_found");
    await expectError(await ctx.app.request("/ui/assets/..%2f..%2fpackage.json", { headers: HOST }), 404, "not_found");
  });

  it("documents its routes in the OpenAPI document, as needing no key", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const doc = (await (await ctx.app.request("/openapi.json", { headers: HOST })).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.paths["/ui"]?.get?.security).toEqual([]);
    expect(Object.keys(doc.paths["/ui/login"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.paths["/ui/logout"] ?? {})).toEqual(["post"]);
  });

  it("sends a login straight to the page: there is nothing to log in to", async () => {
    ctx = buildTestApp();
    const res = await login("anything");
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("the web page with API_KEY (in process)", () => {
  it("asks for the key, and never writes it into the page", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const res = await ctx.app.request("/ui", { headers: HOST });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('action="/ui/login"');
    expect(html).not.toContain('id="convert-form"');
    expect(html).not.toContain(KEY);
    await expectError(await ctx.app.request("/jobs", { headers: HOST }), 401, "unauthorized");
  });

  it("refuses a wrong key with the message next to the field, and sets no cookie", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const res = await login("wrong-key");
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    const html = await res.text();
    expect(html).toContain('id="key-error"');
    expect(html).toContain("That is not the API key.");
  });

  it("keeps a login in an HttpOnly, SameSite=Strict cookie holding a random id, not the key", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const res = await login();
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui");
    const header = res.headers.get("set-cookie") ?? "";
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\//);
    expect(header).not.toMatch(/Secure/);
    expect(header).not.toMatch(/Max-Age|Expires/);
    expect(header).not.toContain(KEY);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^converter_session=[A-Za-z0-9_-]{43}$/);

    const page = await ctx.app.request("/ui", { headers: { ...HOST, cookie } });
    const html = await page.text();
    expect(html).toContain('id="convert-form"');
    expect(html).toContain("/ui/logout");
    expect(html).not.toContain(KEY);
    expect((await ctx.app.request("/jobs", { headers: { ...HOST, cookie } })).status).toBe(200);
    expect((await postConvert(ctx.app, { input: "incoming/clip.mkv" }, { ...SAME_ORIGIN, cookie })).status).toBe(202);
  });

  it("marks the cookie Secure over https, also behind a proxy that says so", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const res = await login(KEY, { ...SAME_ORIGIN, "x-forwarded-proto": "https" });
    expect(res.headers.get("set-cookie")).toMatch(/Secure/);
  });

  it("refuses a cookie-authenticated write sent from another site: submit, cancel, retry", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const cookie = cookieOf(await login());
    const queued = (await (
      await postConvert(ctx.app, { input: "incoming/clip.mkv" }, { ...SAME_ORIGIN, cookie })
    ).json()) as { job_id: string };
    const forged = [
      { ...HOST, cookie, origin: "http://evil.example", "content-type": "text/plain" },
      { ...HOST, cookie, "sec-fetch-site": "cross-site" },
      { ...HOST, cookie, "sec-fetch-site": "same-site", origin: "http://127.0.0.1:9999" },
    ];
    for (const headers of forged) {
      await expectError(
        await postConvert(ctx.app, { input: "incoming/clip.mkv" }, headers),
        403,
        "cross_origin_refused",
      );
      await expectError(
        await ctx.app.request(`/jobs/${queued.job_id}`, { method: "DELETE", headers }),
        403,
        "cross_origin_refused",
      );
      await expectError(
        await ctx.app.request(`/jobs/${queued.job_id}/retry`, { method: "POST", headers }),
        403,
        "cross_origin_refused",
      );
      await expectError(await login(KEY, headers), 403, "cross_origin_refused");
    }
    expect(ctx.queue.added).toHaveLength(1);
    expect(ctx.queue.cancelMarkers.size).toBe(0);
  });

  it("ends the session on logout: the cookie is cleared and the old id no longer works", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const cookie = cookieOf(await login());
    const res = await ctx.app.request("/ui/logout", { method: "POST", headers: { ...SAME_ORIGIN, cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/converter_session=;.*Max-Age=0/);
    await expectError(await ctx.app.request("/jobs", { headers: { ...HOST, cookie } }), 401, "unauthorized");
    const page = await (await ctx.app.request("/ui", { headers: { ...HOST, cookie } })).text();
    expect(page).toContain('action="/ui/login"');
  });

  it("takes a live session id only, never a made-up one", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    const cookie = cookieOf(await login());
    expect((await ctx.app.request("/workers", { headers: { ...HOST, cookie } })).status).toBe(200);
    await expectError(
      await ctx.app.request("/workers", { headers: { ...HOST, cookie: "converter_session=forged" } }),
      401,
      "unauthorized",
    );
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const body = { input: "incoming/clip.mkv" };

describe("requests from another origin change nothing (in process)", () => {
  it.each([
    ["an Origin of another site", { origin: "http://evil.example" }],
    ["an Origin on another port of the same host", { origin: "http://localhost:3000" }],
    ["an opaque Origin (sandboxed frame, data: page)", { origin: "null" }],
    ["a browser that says the request is cross-site", { "sec-fetch-site": "cross-site" }],
    ["a browser that says the request is same-site but not same-origin", { "sec-fetch-site": "same-site" }],
  ])("refuses POST /convert with %s: 403 cross_origin_refused, nothing queued", async (_name, headers) => {
    for (const apiKey of [undefined, "key-0123456789abcdef"]) {
      ctx = buildTestApp({ apiKey });
      const auth: Record<string, string> = apiKey ? { "x-api-key": apiKey } : {};
      await expectError(
        await postConvert(ctx.app, body, { host: "localhost:8000", ...auth, ...headers }),
        403,
        "cross_origin_refused",
      );
      expect(ctx.queue.added).toHaveLength(0);
      ctx.cleanup();
    }
  });

  it("refuses a cross-site form POST to retry or cancel (a simple request, no preflight)", async () => {
    ctx = buildTestApp();
    const headers = { host: "localhost:8000", origin: "http://evil.example", "content-type": "text/plain" };
    await expectError(await ctx.app.request("/jobs/x/retry", { method: "POST", headers }), 403, "cross_origin_refused");
    await expectError(await ctx.app.request("/jobs/x", { method: "DELETE", headers }), 403, "cross_origin_refused");
  });

  it("takes a same-origin browser request, and a client that sends no Origin at all", async () => {
    ctx = buildTestApp();
    const sameOrigin = { host: "localhost:8000", origin: "http://localhost:8000", "sec-fetch-site": "same-origin" };
    expect((await postConvert(ctx.app, body, sameOrigin)).status).toBe(202);
    expect((await postConvert(ctx.app, { ...body, output: "o/2.mp4" }, { host: "localhost:8000" })).status).toBe(202);
    // A cross-origin read is harmless to answer (no CORS headers: the page cannot read it).
    expect((await ctx.app.request("/jobs", { headers: { origin: "http://evil.example" } })).status).toBe(200);
  });

  it("takes an Origin whose host is in ALLOWED_HOSTS (a proxy that rewrites Host)", async () => {
    ctx = buildTestApp({ allowedHosts: ["converter.example.com"] });
    const headers = { host: "127.0.0.1:8000", origin: "https://converter.example.com" };
    expect((await postConvert(ctx.app, body, headers)).status).toBe(202);
  });
});

describe("Host names a page could rebind (in process)", () => {
  it.each([["localhost:8000"], ["127.0.0.1:8000"], ["[::1]:8000"], ["10.1.2.3:8000"], ["LOCALHOST"]])(
    "takes Host %s with auth off",
    async (host) => {
      ctx = buildTestApp();
      expect((await ctx.app.request("/jobs", { headers: { host } })).status).toBe(200);
    },
  );

  it.each([["rebind.evil.example:8000"], ["127.0.0.1.nip.io:8000"], ["localhost.evil.example"]])(
    "refuses Host %s with auth off: 403 host_not_allowed, reads included",
    async (host) => {
      ctx = buildTestApp();
      await expectError(await ctx.app.request("/jobs", { headers: { host } }), 403, "host_not_allowed");
      await expectError(await postConvert(ctx.app, body, { host, origin: `http://${host}` }), 403, "host_not_allowed");
      await expectError(await ctx.app.request("/health", { headers: { host } }), 403, "host_not_allowed");
      expect(ctx.queue.added).toHaveLength(0);
    },
  );

  it("takes the names of ALLOWED_HOSTS and HOST, and any name with ALLOWED_HOSTS=*", async () => {
    ctx = buildTestApp({ allowedHosts: ["api"], host: "media-box.lan" });
    for (const host of ["api:8000", "media-box.lan:8000"]) {
      expect((await ctx.app.request("/jobs", { headers: { host } })).status).toBe(200);
    }
    ctx.cleanup();
    ctx = buildTestApp({ allowedHosts: "*" });
    expect((await ctx.app.request("/jobs", { headers: { host: "anything.example" } })).status).toBe(200);
  });

  it("leaves Host alone when API_KEY is set (the key is what a rebinding page lacks)", async () => {
    ctx = buildTestApp({ apiKey: "key-0123456789abcdef" });
    const res = await ctx.app.request("/jobs", {
      headers: { host: "converter.example.com", "x-api-key": "key-0123456789abcdef" },
    });
    expect(res.status).toBe(200);
  });
});

describe("security headers (in process)", () => {
  it("sends frame, content-type and referrer protection on HTML pages", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/docs");
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });

  it("sends a locked-down policy on JSON answers, errors included", async () => {
    ctx = buildTestApp();
    for (const res of [await ctx.app.request("/jobs"), await ctx.app.request("/jobs/nope")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });
});

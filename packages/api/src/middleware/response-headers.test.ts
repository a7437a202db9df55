import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { listen } from "../http-server.js";
import { buildTestApp } from "../test-support.js";

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** The test app over a real socket, as @hono/node-server runs it in production. */
async function overHttp(app: ReturnType<typeof buildTestApp>["app"]): Promise<string> {
  return new Promise((resolve) => {
    const server = listen(app, {
      port: 0,
      host: "127.0.0.1",
      log: createLogger({ name: "headers-test", level: "silent" }),
      onListening: (port) => resolve(`http://127.0.0.1:${port}`),
    });
    servers.push(server);
  });
}

/** The headers both paths must agree on: everything but what differs per request or per transport. */
const PER_REQUEST = new Set([
  "x-request-id",
  "date",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
]);
const comparable = (headers: Headers) =>
  Object.fromEntries([...headers].filter(([name]) => !PER_REQUEST.has(name)).sort(([a], [b]) => a.localeCompare(b)));

describe("response headers set on Node's response (the fast path) equal those set through Hono", () => {
  it.each([
    ["/", 200],
    ["/status/job_0000000000000000000000", 404],
    ["/presets", 200],
    ["/docs", 200],
    ["/openapi.json", 200],
    ["/ui", 200],
    ["/ui/assets/app.js", 200],
    ["/no/such/route", 404],
  ])("GET %s answers %i with the same security headers over HTTP as in process", async (route, status) => {
    const { app } = buildTestApp();
    const base = await overHttp(app);
    const viaHttp = await fetch(base + route);
    const inProcess = await app.request(route, { headers: { host: new URL(base).host } });
    expect(viaHttp.status).toBe(status);
    expect(inProcess.status).toBe(status);
    expect(comparable(viaHttp.headers)).toEqual(comparable(inProcess.headers));
    expect(viaHttp.headers.get("x-content-type-options")).toBe("nosniff");
    expect(viaHttp.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const policy = viaHttp.headers.get("content-security-policy");
    if (route.startsWith("/ui")) expect(viaHttp.headers.get("referrer-policy")).toBe("same-origin");
    else expect(viaHttp.headers.get("referrer-policy")).toBe("no-referrer");
    if (route === "/docs") expect(policy).toContain("frame-ancestors 'none'; base-uri 'self'");
    else if (route === "/ui") expect(policy).toContain("script-src 'self'");
    else expect(policy).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe("Node's response (SecureServerResponse)", () => {
  it("echoes a sane X-Request-Id, and lets a route's own headers and cookies through unchanged", async () => {
    const { app } = buildTestApp();
    const base = await overHttp(app);
    const sent = await fetch(`${base}/status/job_0000000000000000000000`, { headers: { "x-request-id": "req-12345" } });
    expect(sent.headers.get("x-request-id")).toBe("req-12345");
    expect(sent.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await sent.json()).toMatchObject({ error: { code: "job_not_found" } });
    // The web page's login sets a cookie and redirects: both survive the merge with the security headers.
    const { app: keyed } = buildTestApp({ apiKey: "response-headers-test-key-0123456789" });
    const keyedBase = await overHttp(keyed);
    const login = await fetch(`${keyedBase}/ui/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: keyedBase },
      body: "key=response-headers-test-key-0123456789",
    });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/ui");
    expect(login.headers.getSetCookie()).toHaveLength(1);
    expect(login.headers.get("x-frame-options")).toBe("DENY");
    expect(login.headers.get("referrer-policy")).toBe("same-origin");
  });
});

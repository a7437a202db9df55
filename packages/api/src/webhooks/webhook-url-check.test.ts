import type { LookupAddress } from "node:dns";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp } from "../test-support.js";
import type { Resolver } from "./resolve-target.js";
import { createWebhookUrlCheck } from "./webhook-url-check.js";

const secret = "a-secret-of-enough-length";

/** A DNS stand-in: no test here may depend on the machine's resolver or network. */
const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

const dns = fakeDns({
  "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
  "sneaky.example.com": ["93.184.215.14", "10.0.0.5"],
  "loop.example.com": ["127.0.0.1"],
  localhost: ["::1", "127.0.0.1"],
  "nat64.example.com": ["64:ff9b::a9fe:a9fe"],
});

describe("createWebhookUrlCheck", () => {
  const check = createWebhookUrlCheck({ secret, allowPrivate: false, resolve: dns });

  it.each([
    "https://hooks.example.com/converter",
    "http://hooks.example.com:8080/x?y=1",
    "https://93.184.215.14/hook",
    "https://[2606:4700:4700::1111]/hook",
  ])("accepts %s", async (url) => {
    expect(await check(url)).toBeUndefined();
  });

  it.each([
    ["http://127.0.0.1:9000/", /127\.0\.0\.1 is a loopback address/],
    ["http://localhost/", /localhost resolves to ::1, which is a loopback address/],
    ["http://0x7f.1/", /127\.0\.0\.1 is a loopback address/],
    ["http://2130706433/", /loopback/],
    ["http://017700000001/", /loopback/],
    ["http://[::1]/", /::1 is a loopback address/],
    ["http://[::ffff:127.0.0.1]/", /loopback/],
    ["http://[::ffff:7f00:1]/", /loopback/],
    ["http://169.254.169.254/latest/meta-data/", /metadata address/],
    ["http://metadata.google.internal/computeMetadata/v1/", /metadata address/],
    ["http://[fe80::1]/", /link-local/],
    ["http://10.1.2.3/", /private/],
    ["http://100.64.0.1/", /CGNAT/],
    ["http://0.0.0.0/", /unspecified/],
    ["http://[::]/", /unspecified/],
    ["http://224.0.0.1/", /multicast/],
    ["http://sneaky.example.com/", /sneaky\.example\.com resolves to 10\.0\.0\.5, which is a private address/],
    ["http://loop.example.com/", /resolves to 127\.0\.0\.1, which is a loopback/],
    ["http://nat64.example.com/", /metadata/],
    ["https://nowhere.example.com/", /nowhere\.example\.com does not resolve \(ENOTFOUND\)/],
  ])("refuses %s", async (url, message) => {
    const problem = await check(url);
    expect(problem?.code).toBe("validation_failed");
    expect(problem?.details).toEqual({ field: "webhook_url" });
    expect(problem?.message).toMatch(/^webhook_url: /);
    expect(problem?.message).toMatch(message);
  });

  it("refuses every URL when WEBHOOK_SECRET is unset", async () => {
    const unsigned = createWebhookUrlCheck({ secret: undefined, allowPrivate: true, resolve: dns });
    expect((await unsigned("https://hooks.example.com/"))?.message).toBe(
      "webhook_url: webhooks need WEBHOOK_SECRET on the server",
    );
  });

  it("allows private addresses and skips DNS when WEBHOOK_ALLOW_PRIVATE is true", async () => {
    const open = createWebhookUrlCheck({
      secret,
      allowPrivate: true,
      resolve: async () => {
        throw new Error("must not resolve");
      },
    });
    for (const url of ["http://127.0.0.1:9/", "http://169.254.169.254/", "http://metadata.google.internal/"]) {
      expect(await open(url)).toBeUndefined();
    }
  });

  it("gives up on a lookup that hangs", async () => {
    const slow = createWebhookUrlCheck({
      secret,
      allowPrivate: false,
      resolve: () => new Promise(() => undefined),
      lookupTimeoutMs: 50,
    });
    expect((await slow("https://slow.example.com/"))?.message).toMatch(/did not resolve in time/);
  });
});

describe("POST /convert with webhook_url", () => {
  let ctx: ReturnType<typeof buildTestApp> | undefined;
  afterEach(() => ctx?.cleanup());

  const submit = (webhook_url: string) =>
    ctx?.app.request("/convert", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: "incoming/clip.mkv", webhook_url }),
    });

  it("answers 422 validation_failed naming webhook_url, and queues nothing, for a loopback URL", async () => {
    ctx = buildTestApp({ checkWebhookUrl: createWebhookUrlCheck({ secret, allowPrivate: false, resolve: dns }) });
    const res = await submit("http://127.0.0.1:8080/hook");
    expect(res?.status).toBe(422);
    const body = (await res?.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error).toMatchObject({ code: "validation_failed", details: { field: "webhook_url" } });
    expect(body.error.message).toMatch(/loopback/);
    expect(ctx.queue.added).toHaveLength(0);
  });

  it("answers 422 when the server has no WEBHOOK_SECRET", async () => {
    ctx = buildTestApp({ checkWebhookUrl: createWebhookUrlCheck({ secret: undefined, allowPrivate: false }) });
    const res = await submit("https://hooks.example.com/");
    expect(res?.status).toBe(422);
    expect(await res?.text()).toContain("webhooks need WEBHOOK_SECRET on the server");
  });

  it("stores a public webhook_url and shows no delivery until the job ends", async () => {
    ctx = buildTestApp({ checkWebhookUrl: createWebhookUrlCheck({ secret, allowPrivate: false, resolve: dns }) });
    const res = await submit("https://hooks.example.com/converter");
    expect(res?.status).toBe(202);
    expect(await res?.json()).toMatchObject({ webhook_url: "https://hooks.example.com/converter", webhook: null });
  });
});

describe("OpenAPI document", () => {
  it("describes webhook_url: signature, retries and the address rules", async () => {
    const ctx = buildTestApp();
    try {
      const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
        components: { schemas: { ConvertRequest: { properties: { webhook_url: Record<string, unknown> } } } };
      };
      const field = doc.components.schemas.ConvertRequest.properties.webhook_url;
      expect(field.description).toMatch(/X-Converter-Signature.*WEBHOOK_SECRET.*private/s);
      expect(field).toMatchObject({ format: "uri", maxLength: 2048, example: "https://hooks.example.com/converter" });
    } finally {
      ctx.cleanup();
    }
  });
});

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "./webhook-signature.js";

const secret = "a-secret-of-enough-length";
const body = '{"job_id":"j","status":"completed","note":"ünïcödé"}';
const t = 1_800_000_000;

describe("signWebhook", () => {
  it("is t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>", () => {
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(signWebhook(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });
});

describe("verifyWebhookSignature", () => {
  const header = signWebhook(secret, t, body);

  it("accepts its own signature within the tolerance", () => {
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 300)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, 300, t - 300)).toBe(true);
  });

  it("accepts any of several v1 entries (secret rotation) and spaces after commas", () => {
    const other = signWebhook("another-secret-1234", t, body).split(",")[1];
    const v1 = header.split(",")[1];
    expect(verifyWebhookSignature(secret, `t=${t}, ${other}, ${v1}`, body, 300, t)).toBe(true);
  });

  it.each([
    ["a changed body", header, `${body} `, secret, t],
    ["another secret", header, body, "not-the-secret-at-all", t],
    ["an old timestamp", header, body, secret, t + 301],
    ["a future timestamp", header, body, secret, t - 301],
    ["a timestamp moved with the old signature", header.replace(`t=${t}`, `t=${t + 1}`), body, secret, t],
    ["no header", undefined, body, secret, t],
    ["an empty header", "", body, secret, t],
    ["no v1", `t=${t}`, body, secret, t],
    ["no t", header.split(",")[1], body, secret, t],
    ["a non-numeric t", header.replace(`t=${t}`, "t=abc"), body, secret, t],
    ["a truncated signature", header.slice(0, -2), body, secret, t],
    ["an upper-case signature", header.toUpperCase().replace("T=", "t=").replace("V1=", "v1="), body, secret, t],
  ])("refuses %s", (_what, given, payload, key, now) => {
    expect(verifyWebhookSignature(key, given, payload, 300, now)).toBe(false);
  });
});

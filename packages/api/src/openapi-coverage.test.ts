import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, openApiDocument } from "./test-support.js";

type Operation = { responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }> };
type Doc = { paths: Record<string, Record<string, Operation>> };

const KEY = "k".repeat(32);
const MISSING_ID = "0192f3c4-5a6b-7c8d-9e0f-123456789abc";

/**
 * Sends each documented operation the requests that go wrong in the ways any
 * client can get wrong (no key, a foreign Host or Origin, no body, a broken
 * or oversized body, ids that do not exist) and checks every error answer's
 * status and code are in that operation's document.
 */
describe("OpenAPI document against the error answers the routes give", () => {
  let cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
  });

  it("documents every status and code of these answers", async () => {
    const doc = (await openApiDocument()) as Doc;
    const keyed = buildTestApp({ apiKey: KEY, maxBodyBytes: 1024 });
    const open = buildTestApp({ maxBodyBytes: 1024 });
    cleanups.push(keyed.cleanup, open.cleanup);
    const undocumented: string[] = [];
    const seen = new Set<string>();
    for (const [template, ops] of Object.entries(doc.paths)) {
      const url = template.replace("{job_id}", "nope").replace("{upload_id}", MISSING_ID);
      for (const [method, op] of Object.entries(ops)) {
        const M = method.toUpperCase();
        const writes = !["GET", "HEAD", "OPTIONS"].includes(M);
        const json = { "content-type": "application/json", "x-api-key": KEY };
        const attempts: [string, () => Response | Promise<Response>][] = [
          ["no key", () => keyed.app.request(url, { method: M })],
          ["with key", () => keyed.app.request(url, { method: M, headers: { "x-api-key": KEY } })],
          ["foreign host", () => open.app.request(url, { method: M, headers: { host: "attacker.example" } })],
          ...["limit=0", "dir=../etc", "dir=nope", "unknown=1", `filename=${"n".repeat(5000)}`].map(
            (query): [string, () => Response | Promise<Response>] => [
              query.slice(0, 12),
              () => keyed.app.request(`${url}?${query}`, { method: M, headers: { "x-api-key": KEY } }),
            ],
          ),
        ];
        if (writes) {
          const origin = { origin: "https://evil.example", "x-api-key": KEY };
          attempts.push(["foreign origin", () => keyed.app.request(url, { method: M, headers: origin })]);
          const bodies: Record<string, string> = {
            "broken JSON": "{",
            "empty JSON": "{}",
            "oversized JSON": JSON.stringify({ input: "x".repeat(4096) }),
            "unknown preset": JSON.stringify({ input: "incoming/clip.mkv", preset: "nope" }),
            "outside the root": JSON.stringify({ input: "../etc/passwd" }),
            "missing input": JSON.stringify({ input: "incoming/none.mkv" }),
          };
          for (const [what, body] of Object.entries(bodies)) {
            attempts.push([what, () => keyed.app.request(url, { method: M, headers: json, body })]);
          }
        }
        for (const [what, send] of attempts) {
          const res = await send();
          if (res.status < 400 || !res.headers.get("content-type")?.includes("application/json")) continue;
          const text = await res.text(); // empty for HEAD
          if (!text) continue;
          const body = JSON.parse(text) as { error?: { code?: string } };
          const code = body.error?.code;
          if (!code) continue;
          seen.add(`${res.status} ${code}`);
          const documented = op.responses[String(res.status)]?.content?.["application/json"]?.examples ?? {};
          if (!(code in documented)) undocumented.push(`${M} ${template} (${what}): ${res.status} ${code}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
    // The probes reached what they aim at (a probe that never errs checks nothing).
    for (const answer of [
      "400 invalid_json",
      "401 unauthorized",
      "403 cross_origin_refused",
      "403 host_not_allowed",
      "404 job_not_found",
      "404 upload_not_found",
      "404 folder_not_found",
      "404 input_not_found",
      "412 invalid_upload",
      "413 payload_too_large",
      "422 invalid_path",
      "422 validation_failed",
      "422 unknown_preset",
    ])
      expect(seen).toContain(answer);
  });
});

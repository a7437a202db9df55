import { ERROR_CODES } from "@converter/shared/errors";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentTypes,
  expectContractAnswer as expectAnswer,
  headerValue,
  nearValidBody,
  SEED,
} from "../../../tests/support/convert-fuzz.js";
import { buildTestApp } from "./test-support.js";

/**
 * Property-based fuzzing of POST /convert in process (app.request), where a
 * run costs microseconds. Every answer must be one the contract lists, in the
 * error shape, and never a 5xx. Fixed seeds keep failures reproducible; the
 * over-HTTP run against a real api process is in tests/e2e/hostile.e2e.test.ts.
 */

type App = ReturnType<typeof buildTestApp>;
let open: App;
let guarded: App;
const API_KEY = "fuzz-key-0123456789abcdef";

beforeAll(() => {
  // A small queue limit so 429 is reachable too, and the body limit low enough that 413 is.
  open = buildTestApp({ maxQueuedJobs: 50, maxBodyBytes: 4096, maxInputBytes: 1_000_000 });
  guarded = buildTestApp({ apiKey: API_KEY });
});
afterAll(() => {
  open.cleanup();
  guarded.cleanup();
});

const expectContractAnswer = (res: Response) => expectAnswer(res, ERROR_CODES);

const convert = (app: App, body: RequestInit["body"], headers: Record<string, string>) =>
  app.app.request("/convert", { method: "POST", headers, body });

describe("POST /convert under fuzzing (fast-check, in process)", () => {
  it("answers arbitrary JSON values within the contract", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        await expectContractAnswer(await convert(open, JSON.stringify(value), { "content-type": "application/json" }));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("answers near-valid bodies within the contract, and 202 only for what the schema allows", async () => {
    await fc.assert(
      fc.asyncProperty(nearValidBody, async (body) => {
        const status = await expectContractAnswer(
          await convert(open, JSON.stringify(body), { "content-type": "application/json" }),
        );
        // Anything accepted went through the strict schema: no unknown field, no odd input.
        if (status === 202) {
          expect(Object.keys(body)).not.toContain("extra");
          expect(body.input).toBe("incoming/clip.mkv");
        }
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it("answers raw bytes under any content type and odd headers within the contract", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }),
          fc.constant(`{"input":"${"a".repeat(5000)}"}`),
        ),
        contentTypes,
        fc.option(headerValue(300), { nil: undefined }),
        fc.option(headerValue(300), { nil: undefined }),
        async (body, contentType, apiKey, idempotencyKey) => {
          const headers: Record<string, string> = { "content-type": contentType };
          if (apiKey !== undefined) headers["x-api-key"] = apiKey;
          if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
          await expectContractAnswer(await convert(open, body, headers));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("with API_KEY set, answers 401 to every wrong or odd key before reading the body", async () => {
    await fc.assert(
      fc.asyncProperty(headerValue(2000), nearValidBody, async (key, body) => {
        fc.pre(key !== API_KEY);
        const res = await convert(guarded, JSON.stringify(body), {
          "content-type": "application/json",
          "x-api-key": key,
        });
        expect(await expectContractAnswer(res)).toBe(401);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("stays healthy afterwards", async () => {
    expect((await open.app.request("/health")).status).toBe(200);
    expect((await guarded.app.request("/health")).status).toBe(200);
  });
});

describe("POST /convert input size limit", () => {
  it("refuses an input over MAX_INPUT_BYTES with 422 input_too_large naming the limit", async () => {
    const small = buildTestApp({ maxInputBytes: 10 });
    try {
      const res = await convert(small, JSON.stringify({ input: "incoming/clip.mkv" }), {
        "content-type": "application/json",
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
      expect(body.error).toMatchObject({
        code: "input_too_large",
        details: { field: "input", limit: "MAX_INPUT_BYTES", max_bytes: 10 },
      });
      expect(body.error.message).toMatch(/^incoming\/clip\.mkv is \d+ bytes; MAX_INPUT_BYTES allows 10$/);
      expect(small.queue.added).toHaveLength(0);
    } finally {
      small.cleanup();
    }
  });
});

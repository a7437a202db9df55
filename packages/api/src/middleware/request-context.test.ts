import { Writable } from "node:stream";
import { createLogger } from "@converter/shared/logger";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../deps.js";
import { childOnFirstUse, requestContext } from "./request-context.js";

/** A real pino logger writing into an array, one parsed object per line. */
function capturedLogger(level: "info" | "warn") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger({ name: "request-context-test", level, destination }), lines };
}

function appLogging(log: ReturnType<typeof capturedLogger>["log"]) {
  return new Hono<AppEnv>()
    .use("*", requestContext(log))
    .get("/quiet", (c) => c.json({ ok: true }))
    .get("/loud", (c) => {
      c.get("log").warn({ detail: 1 }, "something to say");
      c.get("log").child({ step: "inner" }).warn("from a child of the child");
      return c.json({ ok: true });
    });
}

describe("requestContext", () => {
  it("logs one request line carrying the request's id, echoed in X-Request-Id", async () => {
    const { log, lines } = capturedLogger("info");
    const res = await appLogging(log).request("/quiet", { headers: { "x-request-id": "client-id-42" } });
    expect(res.headers.get("x-request-id")).toBe("client-id-42");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      expect.objectContaining({
        request_id: "client-id-42",
        method: "GET",
        path: "/quiet",
        status: 200,
        msg: "request",
      }),
    ]);
  });

  it("gives the route a logger bound to the request's id, children included", async () => {
    const { log, lines } = capturedLogger("warn");
    const res = await appLogging(log).request("/loud");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setImmediate(resolve));
    // Below LOG_LEVEL the request line is not written; the route's warnings are, with the id.
    expect(lines).toEqual([
      expect.objectContaining({ request_id: id, detail: 1, msg: "something to say" }),
      expect.objectContaining({ request_id: id, step: "inner", msg: "from a child of the child" }),
    ]);
  });
});

describe("childOnFirstUse", () => {
  it("makes the child only when something logs through it, once", () => {
    const { log } = capturedLogger("info");
    let made = 0;
    const counting = new Proxy(log, {
      get: (target, key) => {
        if (key !== "child") return Reflect.get(target, key);
        return (...args: Parameters<typeof log.child>) => {
          made += 1;
          return target.child(...args);
        };
      },
    });
    const lazy = childOnFirstUse(counting, { request_id: "r" });
    expect(made).toBe(0);
    lazy.info("one");
    lazy.warn("two");
    expect(lazy.level).toBe("info");
    expect(made).toBe(1);
  });
});

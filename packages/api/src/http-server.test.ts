import { createLogger } from "@converter/shared/logger";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { listen } from "./http-server.js";
import { sendRaw } from "./test-support.js";

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A real server on a free port, answering every route with 200. */
async function server(): Promise<number> {
  const app = new Hono().all("*", (c) => c.json({ ok: true }));
  return new Promise((resolve) => {
    const started = listen(app, {
      port: 0,
      host: "127.0.0.1",
      log: createLogger({ name: "http-test", level: "silent" }),
      onListening: (port) => resolve(port),
    });
    close = () => started.close();
  });
}

function parsed(answer: string) {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  const status = Number(head.split(" ")[1]);
  return { status, head, body: JSON.parse(body) as { error: { code: string; message: string } } };
}

describe("what Node itself answers, in the contract's error shape (real HTTP over a socket)", () => {
  it("a malformed request line: 400 bad_request", async () => {
    const port = await server();
    const { status, head, body } = parsed(await sendRaw(port, "GARBAGE\r\n\r\n"));
    expect(status).toBe(400);
    expect(head).toMatch(/content-type: application\/json/i);
    expect(body.error.code).toBe("bad_request");
  });

  it("headers larger than Node takes: 431 header_too_large", async () => {
    const port = await server();
    const answer = await sendRaw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    const { status, body } = parsed(answer);
    expect(status).toBe(431);
    expect(body.error.code).toBe("header_too_large");
  });

  it("a well-formed request still reaches the app", async () => {
    const port = await server();
    const answer = await sendRaw(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });
});

import { request } from "node:http";
import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { listen } from "../http-server.js";
import { buildTestApp, expectError } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  ctx?.cleanup();
});

/** The test app over a real socket, as @hono/node-server serves it: the path that reads Node's request itself. */
async function served(maxBodyBytes = 2048): Promise<number> {
  ctx = buildTestApp({ maxBodyBytes });
  return new Promise((resolve) => {
    const server = listen(ctx.app, {
      port: 0,
      host: "127.0.0.1",
      log: createLogger({ name: "small-body-test", level: "silent" }),
      onListening: resolve,
    });
    servers.push(server);
  });
}

/** POST /convert with the body sent in these chunks, chunked (no Content-Length) unless `length` is given. */
function post(port: number, chunks: (string | Buffer)[], length?: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (length !== undefined) headers["content-length"] = String(length);
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/convert", headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () =>
        resolve(
          new Response(Buffer.concat(parts), {
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
          }),
        ),
      );
    });
    req.on("error", reject);
    const send = async () => {
      for (const chunk of chunks) {
        if (!req.write(chunk)) await new Promise((drained) => req.once("drain", drained));
        await new Promise((later) => setTimeout(later, 5));
      }
      req.end();
    };
    void send().catch(reject);
  });
}

describe("a small JSON body read from Node's request (served over HTTP)", () => {
  it("takes a body that arrives in pieces, with a leading byte-order mark, as Request.text() would", async () => {
    const port = await served();
    const res = await post(port, ["\uFEFF", '{"input":', '"incoming/clip.mkv"', "}"]);
    expect(res.status).toBe(202);
    expect(ctx.queue.added).toHaveLength(1);
  });

  it("refuses a streamed body once it passes MAX_BODY_BYTES, with no length announced", async () => {
    const port = await served(2048);
    const res = await post(port, ['{"input":"', "x".repeat(1500), "y".repeat(1500), '"}']);
    await expectError(res, 413, "payload_too_large");
    expect(ctx.queue.added).toHaveLength(0);
  });

  it("refuses an announced length over MAX_BODY_BYTES before reading it", async () => {
    const port = await served(2048);
    const body = JSON.stringify({ input: "x".repeat(4096) });
    await expectError(await post(port, [body], Buffer.byteLength(body)), 413, "payload_too_large");
  });

  it("answers malformed JSON and bad UTF-8 as the in-process path does", async () => {
    const port = await served();
    const overHttp = await post(port, ['{"input": "incoming/clip.mkv"']);
    const inProcess = await ctx.app.request("/convert", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"input": "incoming/clip.mkv"',
    });
    expect(overHttp.status).toBe(inProcess.status);
    expect(await overHttp.json()).toEqual(await inProcess.json());
    // An invalid UTF-8 byte becomes U+FFFD, as in Request.text(): a path that does not exist, not a crash.
    const badByte = await post(port, [Buffer.from('{"input":"incoming/clip\xff.mkv"}', "latin1")]);
    await expectError(badByte, 404, "input_not_found");
  });
});

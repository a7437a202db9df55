import { Writable } from "node:stream";
import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { listen } from "../http-server.js";
import { buildTestApp, postConvert, sampleProgress, sampleReturn, sendRaw } from "../test-support.js";
import { type HotReadLane, hotReadLane } from "./hot-read-lane.js";

const KEY = "hot-read-lane-test-key-0123456789";

type TestApp = ReturnType<typeof buildTestApp>;
type Served = { port: number; taken: string[] };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A test app with completed, running and queued jobs, whose logs (at info) are kept. */
async function appWithJobs(options: Parameters<typeof buildTestApp>[0] = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    name: "lane-test",
    level: "info",
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  });
  const built = buildTestApp({ ...options, log });
  cleanups.push(built.cleanup);
  const headers: Record<string, string> = options.apiKey ? { "x-api-key": options.apiKey } : {};
  const submit = async (output: string) =>
    (
      (await (
        await postConvert(built.app, { input: "incoming/clip.mkv", preset: "h264", output }, headers)
      ).json()) as {
        job_id: string;
      }
    ).job_id;
  const completed = await submit("out/done.mp4");
  built.store.markActive(completed, "2026-01-01T00:00:01.000Z", 1);
  built.store.markCompleted(completed, sampleReturn, "2026-01-01T00:00:02.000Z", ["cmd"]);
  const running = await submit("out/running.mp4");
  built.store.markActive(running, "2026-01-01T00:00:01.000Z", 1);
  const queued = await submit("out/queued.mp4");
  return { built, lines, ids: { completed, running, queued } };
}

/** The app over a real socket, with the lane in front of it or not; `taken` lists what the lane served. */
async function serve(built: TestApp, lane?: HotReadLane): Promise<Served> {
  const taken: string[] = [];
  const hotReads: HotReadLane | undefined = lane
    ? (incoming, outgoing) => {
        const served = lane(incoming, outgoing);
        if (served) taken.push(`${incoming.method} ${incoming.url}`);
        return served;
      }
    : undefined;
  return new Promise((resolve) => {
    const server = listen(built.app, {
      port: 0,
      host: "127.0.0.1",
      log: built.deps.log,
      ...(hotReads ? { hotReads } : {}),
      onListening: (port) => resolve({ port, taken }),
    });
    cleanups.push(() => server.close());
  });
}

/** One request as raw bytes; the whole answer as the client got it, with the per-request header values masked. */
async function raw(port: number, request: string): Promise<string> {
  return (await sendRaw(port, request))
    .replace(/^X-Request-Id: [0-9a-f-]{36}$/m, "X-Request-Id: <generated>")
    .replace(/^Date: .*$/m, "Date: <now>");
}

const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}Connection: close\r\n\r\n`;

/** Sends the same request to the app with and without the lane: the answers must be byte for byte the same. */
async function bothWays(app: Awaited<ReturnType<typeof appWithJobs>>, request: string) {
  const plain = await serve(app.built);
  const laned = await serve(app.built, await hotReadLane(app.built.deps));
  const viaHono = await raw(plain.port, request);
  const viaLane = await raw(laned.port, request);
  return { viaHono, viaLane, taken: laned.taken.length > 0 };
}

describe("the hot-read lane answers what Hono answers, byte for byte (real HTTP over a socket)", () => {
  it.each<[string, string, Record<string, string>]>([
    ["GET /", "/", {}],
    ["a completed job's status", "/status/:completed", {}],
    ["a running job's status", "/status/:running", {}],
    ["a queued job's status", "/status/:queued", {}],
    ["GET /jobs/{id}", "/jobs/:completed", {}],
    ["the client's own X-Request-Id", "/status/:completed", { "X-Request-Id": "req-12345" }],
    ["an X-Request-Id the API replaces", "/", { "X-Request-Id": "not a sane id" }],
  ])("%s: taken by the lane, same status, headers and body", async (_name, path, headers) => {
    const app = await appWithJobs();
    const request = get(
      path.replace(/:(\w+)$/, (_, which: keyof typeof app.ids) => app.ids[which]),
      headers,
    );
    const { viaHono, viaLane, taken } = await bothWays(app, request);
    expect(taken).toBe(true);
    expect(viaLane).toBe(viaHono);
    expect(viaLane).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    if (headers["X-Request-Id"] === "req-12345") expect(viaLane).toContain("X-Request-Id: req-12345\r\n");
  });

  it.each<[string, string, Record<string, string>, string]>([
    ["a query string", "/status/:completed?fresh=1", {}, "GET"],
    ["HEAD", "/status/:completed", {}, "HEAD"],
    ["an unknown job (404 job_not_found)", "/status/no-such-job", {}, "GET"],
    ["a percent-encoded id", "/status/%41bc", {}, "GET"],
    ["a trailing slash (404 not_found)", "/status/:completed/", {}, "GET"],
    [
      "a Host the origin policy refuses (403 host_not_allowed)",
      "/status/:completed",
      { Host: "rebound.example" },
      "GET",
    ],
    ["a job's logs", "/jobs/:completed/logs", {}, "GET"],
    ["a POST (404 not_found)", "/status/:running", {}, "POST"],
  ])("%s: left to Hono, which answers as it always has", async (_name, path, headers, method) => {
    const app = await appWithJobs();
    let request = get(
      path.replace(/:(\w+)(?=\/|\?|$)/, (_, which: keyof typeof app.ids) => app.ids[which]),
      {},
      method,
    );
    if ("Host" in headers) request = request.replace("Host: 127.0.0.1", `Host: ${headers.Host}`);
    const { viaHono, viaLane, taken } = await bothWays(app, request);
    expect(taken).toBe(false);
    expect(viaLane).toBe(viaHono);
  });

  it("with API_KEY set: takes a request with the right X-API-Key; leaves a wrong, missing or cookie-borne one to Hono", async () => {
    const app = await appWithJobs({ apiKey: KEY });
    const status = `/status/${app.ids.completed}`;
    const cases: [Record<string, string>, boolean, number][] = [
      [{ "X-API-Key": KEY }, true, 200],
      [{ "X-API-Key": "wrong" }, false, 401],
      [{}, false, 401],
      [{ "X-API-Key": KEY, Cookie: "converter_session=whatever" }, false, 200],
    ];
    for (const [headers, lane, code] of cases) {
      const { viaHono, viaLane, taken } = await bothWays(app, get(status, headers));
      expect(taken, JSON.stringify(headers)).toBe(lane);
      expect(viaLane).toBe(viaHono);
      expect(viaLane.startsWith(`HTTP/1.1 ${code} `), viaLane.slice(0, 40)).toBe(true);
    }
    const root = await bothWays(app, get("/"));
    expect(root.taken).toBe(true);
    expect(root.viaLane).toBe(root.viaHono);
  });

  it("answers a job's new state as soon as it changes (the kept view is dropped)", async () => {
    const app = await appWithJobs();
    const laned = await serve(app.built, await hotReadLane(app.built.deps));
    const read = async () =>
      JSON.parse((await raw(laned.port, get(`/status/${app.ids.running}`))).split("\r\n\r\n")[1] ?? "");
    expect(await read()).toMatchObject({ status: "in_progress", progress: 0 });
    app.built.store.updateProgress(app.ids.running, sampleProgress(42));
    expect(await read()).toMatchObject({ status: "in_progress", progress: 42 });
    app.built.store.markCompleted(app.ids.running, sampleReturn, "2026-01-01T00:00:03.000Z", []);
    expect(await read()).toMatchObject({ status: "completed", progress: 100 });
    expect(laned.taken).toHaveLength(3);
  });

  it("times its answers into the same histogram, and logs the same request line, as the middlewares", async () => {
    const app = await appWithJobs();
    const laned = await serve(app.built, await hotReadLane(app.built.deps));
    await raw(laned.port, get("/", { "X-Request-Id": "req-root" }));
    await raw(laned.port, get(`/status/${app.ids.completed}`, { "X-Request-Id": "req-status" }));
    await raw(laned.port, get(`/jobs/${app.ids.completed}`));
    expect(laned.taken).toHaveLength(3);
    const plain = await serve(app.built);
    await raw(plain.port, get("/status/no-such-job", { "X-Request-Id": "req-hono" }));
    const metrics = await app.built.metrics.render();
    for (const route of ["/", "/status/:job_id", "/jobs/:job_id"]) {
      expect(metrics).toContain(
        `converter_http_request_duration_seconds_count{method="GET",route="${route}",status="200"} 1`,
      );
    }
    const requestLines = app.lines.filter((line) => line.msg === "request");
    const byId = (id: string) => requestLines.find((line) => line.request_id === id);
    expect(byId("req-status")).toMatchObject({ method: "GET", path: `/status/${app.ids.completed}`, status: 200 });
    expect(byId("req-root")).toMatchObject({ method: "GET", path: "/", status: 200 });
    // The same fields as the line Hono's path writes.
    expect(Object.keys(byId("req-status") ?? {}).sort()).toEqual(Object.keys(byId("req-hono") ?? {}).sort());
  });
});

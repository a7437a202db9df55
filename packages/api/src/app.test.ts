import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, healthyReport, postConvert } from "./test-support.js";

let ctx: ReturnType<typeof buildTestApp>;

/** A cursor in the shape the API issues (base64url of a JSON pair), made up by a client. */
const forgedCursor = (pair: unknown) => Buffer.from(JSON.stringify(pair)).toString("base64url");
afterEach(() => ctx?.cleanup());

const post = (body: unknown, headers: Record<string, string> = {}) => postConvert(ctx.app, body, headers);

describe("POST /convert", () => {
  it("answers 202 with the job, a Location header and a request id, and enqueues it", async () => {
    ctx = buildTestApp();
    const res = await post(
      { input: "incoming/clip.mkv", preset: "h264-720p", priority: 9 },
      { "x-request-id": "req-42" },
    );
    expect(res.status).toBe(202);
    const job = (await res.json()) as Record<string, unknown>;
    expect(res.headers.get("location")).toBe(`/status/${job.job_id}`);
    expect(res.headers.get("x-request-id")).toBe("req-42");
    expect(job).toMatchObject({
      status: "queued",
      progress: 0,
      input: "incoming/clip.mkv",
      output: "converted/clip.mp4",
      preset: "h264-720p",
      priority: 9,
      error: null,
      result: null,
    });
    expect(ctx.queue.added).toHaveLength(1);
    expect(ctx.queue.added[0]?.data).toMatchObject({ job_id: job.job_id, request_id: "req-42" });
    expect(ctx.queue.added[0]?.priority).toBe(9);
  });

  it("generates a request id when the client's is missing or unsafe", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ["not json at all", 400, "invalid_json"],
    ["", 400, "invalid_json"],
    [{ input: "incoming/clip.mkv", unknown: 1 }, 422, "validation_failed"],
    [{ input: 42 }, 422, "validation_failed"],
    [{ input: "incoming/clip.mkv", options: { video_bitrate: "4 M" } }, 422, "validation_failed"],
    [{ input: "incoming/clip.mkv", options: { container: "webm" } }, 422, "validation_failed"],
    [{ input: "incoming/clip.mkv", preset: "h266" }, 422, "unknown_preset"],
    [{ input: "../etc/passwd" }, 422, "invalid_path"],
    [{ input: "/etc/passwd" }, 422, "invalid_path"],
    [{ input: "incoming/clip.mkv", output: "../../tmp/x.mp4" }, 422, "invalid_path"],
    [{ input: "incoming/clip.mkv", output: "incoming/clip.mkv", overwrite: true }, 422, "invalid_path"],
    [{ input: "incoming/missing.mkv" }, 404, "input_not_found"],
  ])("refuses %j with %i %s and enqueues nothing", async (body, status, code) => {
    ctx = buildTestApp();
    await expectError(await post(body), status, code);
    expect(ctx.queue.added).toHaveLength(0);
    expect(ctx.views.list({ limit: 10 }).jobs).toHaveLength(0);
  });

  it("refuses a body that is not declared as JSON with 400", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/convert", { method: "POST", body: '{"input":"incoming/clip.mkv"}' });
    await expectError(res, 400, "invalid_json");
  });

  it("refuses an oversized body with 413", async () => {
    ctx = buildTestApp({ maxBodyBytes: 2048 });
    await expectError(await post({ input: "x".repeat(4096) }), 413, "payload_too_large");
  });

  it("refuses an existing output unless overwrite is true", async () => {
    ctx = buildTestApp();
    writeFileSync(path.join(ctx.mediaRoot, "incoming", "done.mp4"), "x");
    await expectError(await post({ input: "incoming/clip.mkv", output: "incoming/done.mp4" }), 409, "output_exists");
    expect((await post({ input: "incoming/clip.mkv", output: "incoming/done.mp4", overwrite: true })).status).toBe(202);
  });

  it("refuses a second live job writing the same output, even spelled differently", async () => {
    ctx = buildTestApp();
    expect((await post({ input: "incoming/clip.mkv" })).status).toBe(202);
    const body = await expectError(
      await post({ input: "incoming/clip.mkv", output: "./converted//clip.mp4" }),
      409,
      "output_exists",
    );
    expect(body.error.message).toMatch(/already writing converted\/clip\.mp4/);
  });

  it("answers 429 queue_full with Retry-After beyond MAX_QUEUED_JOBS", async () => {
    ctx = buildTestApp({ maxQueuedJobs: 2 });
    for (const name of ["a", "b"])
      expect((await post({ input: "incoming/clip.mkv", output: `o/${name}.mp4` })).status).toBe(202);
    const res = await post({ input: "incoming/clip.mkv", output: "o/c.mp4" });
    await expectError(res, 429, "queue_full");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers 503 and keeps no job when the queue cannot take it", async () => {
    ctx = buildTestApp();
    ctx.queue.failWith = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    const body = await expectError(await post({ input: "incoming/clip.mkv" }), 503, "redis_unavailable");
    expect(JSON.stringify(body)).not.toContain("enableOfflineQueue");
    expect(ctx.views.list({ limit: 10 }).jobs).toHaveLength(0);
  });
});

describe("reading jobs", () => {
  it("serves a job at /status/{id} and /jobs/{id}, and 404 for unknown ids", async () => {
    ctx = buildTestApp();
    const job = (await (await post({ input: "incoming/clip.mkv" })).json()) as { job_id: string };
    for (const route of [`/status/${job.job_id}`, `/jobs/${job.job_id}`]) {
      const res = await ctx.app.request(route);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { job_id: string }).job_id).toBe(job.job_id);
    }
    await expectError(await ctx.app.request("/status/nope"), 404, "job_not_found");
    await expectError(await ctx.app.request(`/jobs/${"x".repeat(300)}`), 404, "job_not_found");
    await expectError(await ctx.app.request("/jobs/nope/logs"), 404, "job_not_found");
    const logs = await ctx.app.request(`/jobs/${job.job_id}/logs`);
    expect(await logs.json()).toEqual({ logs: [] });
  });

  it("pages through /jobs newest first with an opaque cursor and a status filter", async () => {
    ctx = buildTestApp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post({ input: "incoming/clip.mkv", output: `o/${i}.mp4` });
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = (await (await ctx.app.request(`/jobs${query}`)).json()) as {
        jobs: { job_id: string }[];
        next_cursor: string | null;
      };
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const completed = (await (await ctx.app.request("/jobs?status=completed")).json()) as { jobs: unknown[] };
    expect(completed.jobs).toEqual([]);
  });

  it.each([
    ["/jobs?limit=0", "validation_failed"],
    ["/jobs?limit=101", "validation_failed"],
    ["/jobs?limit=ten", "validation_failed"],
    ["/jobs?status=done", "validation_failed"],
    ["/jobs?cursor=%%%", "validation_failed"],
    ["/jobs?cursor=bm90IGpzb24", "validation_failed"],
    // Well-formed but forged: the shape of a cursor, a position the API never issued.
    [`/jobs?cursor=${forgedCursor(["x", "y"])}`, "validation_failed"],
    [
      `/jobs?cursor=${forgedCursor(["2026-01-01T00:00:00.000Z", "0192f3c4-1b2c-7d3e-8f40-123456789abc"])}`,
      "validation_failed",
    ],
    [`/jobs?cursor=${forgedCursor(["2026-01-01", "0192f3c4-1b2c-7d3e-8f40-123456789abc"])}`, "validation_failed"],
  ])("refuses %s with 422", async (url, code) => {
    ctx = buildTestApp();
    await post({ input: "incoming/clip.mkv", output: "o/one.mp4" });
    await expectError(await ctx.app.request(url), 422, code);
  });

  it("refuses a cursor that names a real job under another creation time", async () => {
    ctx = buildTestApp();
    const job = (await (await post({ input: "incoming/clip.mkv", output: "o/one.mp4" })).json()) as { job_id: string };
    await expectError(
      await ctx.app.request(`/jobs?cursor=${forgedCursor(["2099-01-01T00:00:00.000Z", job.job_id])}`),
      422,
      "validation_failed",
    );
  });

  it("lists the presets with their fields", async () => {
    ctx = buildTestApp();
    const body = (await (await ctx.app.request("/presets")).json()) as { presets: Record<string, unknown>[] };
    expect(body.presets.map((p) => p.name)).toContain("vp9-webm");
    expect(body.presets[0]).toMatchObject({ name: "h264", container: "mp4", video_codec: "h264", audio_codec: "aac" });
  });
});

describe("meta routes", () => {
  it("answers GET / with name, version and docs", async () => {
    ctx = buildTestApp();
    expect(await (await ctx.app.request("/")).json()).toEqual({
      name: "ffmpeg-converter",
      version: "test",
      docs: "/docs",
    });
  });

  it("answers /health 200 when healthy and 503 naming the failing part", async () => {
    ctx = buildTestApp();
    expect((await ctx.app.request("/health")).status).toBe(200);
    ctx.setHealth({
      ...healthyReport,
      status: "unavailable",
      redis: "unavailable",
      problems: ["redis is unreachable"],
    });
    const res = await ctx.app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable", redis: "unavailable" });
  });

  it("publishes an OpenAPI 3.1 document with every route of the contract", async () => {
    ctx = buildTestApp();
    const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const route of [
      "/",
      "/health",
      "/convert",
      "/status/{job_id}",
      "/jobs",
      "/jobs/{job_id}",
      "/jobs/{job_id}/logs",
      "/jobs/{job_id}/retry",
      "/presets",
      "/workers",
      "/metrics",
    ]) {
      expect(Object.keys(doc.paths)).toContain(route);
    }
    expect(Object.keys(doc.paths["/jobs/{job_id}"] as object).sort()).toEqual(["delete", "get"]);
    const components = doc.components.schemas;
    for (const name of [
      "ConvertRequest",
      "Job",
      "JobList",
      "JobLogs",
      "Error",
      "WebhookDelivery",
      "Worker",
      "VideoPipeline",
    ])
      expect(components).toHaveProperty(name);
    expect((await ctx.app.request("/docs")).headers.get("content-type")).toMatch(/text\/html/);
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    ctx = buildTestApp();
    await expectError(await ctx.app.request("/nope"), 404, "not_found");
  });
});

describe("API key", () => {
  const key = "k".repeat(32);

  it("guards every route except /, /health, /docs and /openapi.json", async () => {
    ctx = buildTestApp({ apiKey: key });
    for (const open of ["/", "/health", "/docs", "/openapi.json"])
      expect((await ctx.app.request(open)).status).toBe(200);
    for (const guarded of ["/jobs", "/presets", "/status/x", "/jobs/x/logs"]) {
      await expectError(await ctx.app.request(guarded), 401, "unauthorized");
    }
    await expectError(await ctx.app.request("/jobs/x", { method: "DELETE" }), 401, "unauthorized");
    await expectError(await ctx.app.request("/jobs/x/retry", { method: "POST" }), 401, "unauthorized");
    await expectError(await post({ input: "incoming/clip.mkv" }), 401, "unauthorized");
    await expectError(await post({ input: "incoming/clip.mkv" }, { "x-api-key": "short" }), 401, "unauthorized");
    await expectError(await post({ input: "incoming/clip.mkv" }, { "x-api-key": `${key}x` }), 401, "unauthorized");
    expect((await post({ input: "incoming/clip.mkv" }, { "x-api-key": key })).status).toBe(202);
  });

  it("takes HTTP Basic auth with the key as password on the dashboard", async () => {
    ctx = buildTestApp({ apiKey: key });
    const res = await ctx.app.request("/admin/queues");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    const wrong = Buffer.from("admin:nope").toString("base64");
    expect((await ctx.app.request("/admin/queues", { headers: { authorization: `Basic ${wrong}` } })).status).toBe(401);
  });
});

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert, sampleReturn } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** A job completed with a 1000-byte output named `name` in converted/. */
async function completedJob(name = "clip.mp4", output?: string) {
  const res = await postConvert(ctx.app, { input: "incoming/clip.mkv", ...(output ? { output } : {}) });
  const job = (await res.json()) as { job_id: string; output: string };
  const file = path.join(ctx.mediaRoot, job.output);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, CONTENT);
  const result = { ...sampleReturn.result, output: job.output, size_bytes: CONTENT.length };
  ctx.store.markCompleted(job.job_id, { ...sampleReturn, result }, new Date().toISOString(), []);
  expect(path.basename(job.output)).toBe(name);
  return { id: job.job_id, file };
}

const get = (id: string, headers: Record<string, string> = {}, method = "GET") =>
  ctx.app.request(`/jobs/${id}/output`, { method, headers });

describe("GET /jobs/{job_id}/output", () => {
  it("sends the whole file with its type, name, validators and Accept-Ranges", async () => {
    ctx = buildTestApp();
    const { id } = await completedJob();
    const res = await get(id);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(CONTENT)).toBe(true);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "video/mp4",
      "content-length": "1000",
      "content-disposition": `attachment; filename="clip.mp4"; filename*=UTF-8''clip.mp4`,
      "accept-ranges": "bytes",
      etag: expect.stringMatching(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/),
      "last-modified": expect.stringMatching(/GMT$/),
    });
  });

  it("names a non-ASCII output with filename* (RFC 6266)", async () => {
    ctx = buildTestApp();
    const { id } = await completedJob("día 1.mkv", "out/día 1.mkv");
    const res = await get(id);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="dia 1.mkv"; filename*=UTF-8''d%C3%ADa%201.mkv`,
    );
    expect(res.headers.get("content-type")).toBe("video/x-matroska");
  });

  it.each([
    ["bytes=0-99", 0, 99],
    ["bytes=900-", 900, 999],
    ["bytes=-10", 990, 999],
    ["bytes=500-5000", 500, 999],
  ])("answers Range %s with 206 and exactly those bytes", async (range, start, end) => {
    ctx = buildTestApp();
    const { id } = await completedJob();
    const res = await get(id, { range });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers.get("content-length")).toBe(String(end - start + 1));
    expect(Buffer.from(await res.arrayBuffer()).equals(CONTENT.subarray(start, end + 1))).toBe(true);
  });

  it("answers a range past the end with 416 and Content-Range: bytes */size", async () => {
    ctx = buildTestApp();
    const { id } = await completedJob();
    const res = await get(id, { range: "bytes=1000-" });
    expect(res.headers.get("content-range")).toBe("bytes */1000");
    await expectError(res, 416, "range_not_satisfiable");
  });

  it("honours If-None-Match, and sends the whole file when If-Range names another version", async () => {
    ctx = buildTestApp();
    const { id } = await completedJob();
    const etag = (await get(id)).headers.get("etag") ?? "";
    expect((await get(id, { "if-none-match": etag })).status).toBe(304);
    expect((await get(id, { range: "bytes=0-9", "if-range": etag })).status).toBe(206);
    const stale = await get(id, { range: "bytes=0-9", "if-range": '"another-version"' });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("content-length")).toBe("1000");
  });

  it("answers HEAD with the headers and no body", async () => {
    ctx = buildTestApp();
    const { id } = await completedJob();
    const res = await get(id, { range: "bytes=10-19" }, "HEAD");
    expect(res.status).toBe(206);
    expect(res.headers.get("content-length")).toBe("10");
    expect(res.headers.get("etag")).toBeTruthy();
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("answers 404 for an unknown job and 409 job_not_completed before the job completed", async () => {
    ctx = buildTestApp();
    await expectError(await get("nope"), 404, "job_not_found");
    const queued = (await (await postConvert(ctx.app, { input: "incoming/clip.mkv" })).json()) as { job_id: string };
    const body = await expectError(await get(queued.job_id), 409, "job_not_completed");
    expect(body.error.details).toEqual({ status: "queued" });
  });

  it("answers 410 output_gone when the file was removed or replaced by another", async () => {
    ctx = buildTestApp();
    const first = await completedJob();
    rmSync(first.file);
    await expectError(await get(first.id), 410, "output_gone");
    writeFileSync(first.file, "a different, shorter file");
    await expectError(await get(first.id), 410, "output_gone");
  });
});

describe("GET /files", () => {
  it("lists a folder of the media root and refuses to leave it", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/files?dir=incoming");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      dir: "incoming",
      entries: [{ name: "clip.mkv", path: "incoming/clip.mkv", is_dir: false, size_bytes: expect.any(Number) }],
      next_cursor: null,
    });
    const root = (await (await ctx.app.request("/files")).json()) as { entries: { name: string }[] };
    expect(root.entries.map((e) => e.name)).toEqual(["incoming", "uploads"]);
    await expectError(await ctx.app.request("/files?dir=../.."), 422, "invalid_path");
    await expectError(await ctx.app.request("/files?dir=missing"), 404, "folder_not_found");
    await expectError(await ctx.app.request("/files?limit=0"), 422, "validation_failed");
  });
});

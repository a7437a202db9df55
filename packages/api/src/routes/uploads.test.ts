import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

type Upload = { upload_id: string; path: string; name: string; size_bytes: number; sha256: string; status: string };

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
/** Upload folders left on disk (the hidden tus folder aside): a refused upload leaves none. */
const uploadFolders = () => readdirSync(ctx.uploads.root).filter((name) => !name.startsWith("."));

function streamOf(chunks: number, chunkBytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === chunks) return controller.close();
      sent += 1;
      controller.enqueue(new Uint8Array(chunkBytes).fill(sent % 256));
    },
  });
}

const postRaw = (body: RequestInit["body"], query = "?filename=clip.mkv", headers: Record<string, string> = {}) =>
  ctx.app.request(`/uploads${query}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream", ...headers },
    body,
    duplex: "half",
  } as RequestInit);

function form(fields: Record<string, string>, file?: { name: string; data: string }, fileFirst = false): FormData {
  const data = new FormData();
  const addFile = () => file && data.append("file", new Blob([file.data]), file.name);
  if (fileFirst) addFile();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  if (!fileFirst) addFile();
  return data;
}

describe("POST /uploads", () => {
  it("stores a raw body under uploads/<id>/<name> and answers 201 with its size and sha256", async () => {
    ctx = buildTestApp();
    const data = "x".repeat(5000);
    const res = await postRaw(data);
    expect(res.status).toBe(201);
    const upload = (await res.json()) as Upload;
    expect(upload).toMatchObject({
      path: `uploads/${upload.upload_id}/clip.mkv`,
      name: "clip.mkv",
      size_bytes: 5000,
      sha256: sha256(data),
      status: "complete",
    });
    expect(res.headers.get("location")).toBe(`/uploads/${upload.upload_id}`);
    expect(readFileSync(path.join(ctx.mediaRoot, upload.path), "utf8")).toBe(data);
    const shown = await ctx.app.request(`/uploads/${upload.upload_id}`);
    expect(await shown.json()).toMatchObject({ ...upload, completed_at: expect.any(String) });
  });

  it("stores the file part of a multipart body, making an odd name safe", async () => {
    ctx = buildTestApp();
    const res = await ctx.app.request("/uploads", {
      method: "POST",
      body: form({ note: "ignored" }, { name: "../evil\u202Evkm.mkv", data: "multipart bytes" }),
    });
    expect(res.status).toBe(201);
    const upload = (await res.json()) as Upload;
    expect(upload.name).toBe("evilvkm.mkv");
    expect(upload.sha256).toBe(sha256("multipart bytes"));
    expect(readFileSync(path.join(ctx.mediaRoot, upload.path), "utf8")).toBe("multipart bytes");
  });

  it.each([
    ["?filename=..", "upload"],
    ["", "upload"],
    ["?filename=CON", "_CON"],
    [`?filename=${encodeURIComponent("a/b\\c\u0000d.mkv")}`, "c_d.mkv"],
  ])("names %j %s, never refusing it", async (query, name) => {
    ctx = buildTestApp();
    const res = await postRaw("bytes", query);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Upload).name).toBe(name.replace("c_d", "cd"));
  });

  it("refuses a Content-Length over MAX_UPLOAD_BYTES with 413 before reading, leaving nothing", async () => {
    ctx = buildTestApp({ maxUploadBytes: 1000 });
    const res = await postRaw("x".repeat(1001));
    await expectError(res, 413, "upload_too_large");
    expect(res.headers.get("connection")).toBe("close");
    expect(uploadFolders()).toEqual([]);
  });

  it("stops a streamed body at MAX_UPLOAD_BYTES with 413 and removes what was written", async () => {
    ctx = buildTestApp({ maxUploadBytes: 100_000 });
    await expectError(await postRaw(streamOf(50, 10_000)), 413, "upload_too_large");
    expect(uploadFolders()).toEqual([]);
    expect(ctx.uploads.store.createdBefore("9999", 10)).toEqual([]);
  });

  it("refuses an upload that would leave less than UPLOAD_MIN_FREE_BYTES free with 507, before writing", async () => {
    ctx = buildTestApp({ uploadMinFreeBytes: Number.MAX_SAFE_INTEGER });
    await expectError(await postRaw("bytes"), 507, "insufficient_storage");
    expect(uploadFolders()).toEqual([]);
  });

  it.each([
    [form({ only: "fields" }), "invalid_upload", 400],
    [
      (() => {
        const data = form({}, { name: "a.mkv", data: "a" });
        data.append("other", new Blob(["b"]), "b.mkv");
        return data;
      })(),
      "invalid_upload",
      400,
    ],
  ])("refuses a multipart body without exactly one file part (%#)", async (body, code, status) => {
    ctx = buildTestApp();
    await expectError(await ctx.app.request("/uploads", { method: "POST", body }), status, code);
    expect(uploadFolders()).toEqual([]);
  });
});

describe("GET and DELETE /uploads/{upload_id}", () => {
  it("answers 404 for an unknown id and 422 for something that is not an id", async () => {
    ctx = buildTestApp();
    await expectError(await ctx.app.request("/uploads/0192f3c4-0000-7000-8000-000000000001"), 404, "upload_not_found");
    await expectError(await ctx.app.request("/uploads/not-an-id"), 422, "validation_failed");
    await expectError(
      await ctx.app.request("/uploads/0192f3c4-0000-7000-8000-000000000001", { method: "DELETE" }),
      404,
      "upload_not_found",
    );
  });

  it("removes an upload, and refuses while a live job reads it", async () => {
    ctx = buildTestApp();
    const upload = (await (await postRaw("media bytes")).json()) as Upload;
    const job = await ctx.app.request("/convert", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: upload.path }),
    });
    expect(job.status).toBe(202);
    const { job_id } = (await job.json()) as { job_id: string; output: string };
    const busy = await ctx.app.request(`/uploads/${upload.upload_id}`, { method: "DELETE" });
    expect((await expectError(busy, 409, "upload_in_use")).error.details).toMatchObject({ job_id });

    ctx.store.markFailed(job_id, { code: "ffmpeg_failed", message: "x" }, new Date().toISOString(), []);
    expect((await ctx.app.request(`/uploads/${upload.upload_id}`, { method: "DELETE" })).status).toBe(204);
    expect(existsSync(path.join(ctx.mediaRoot, "uploads", upload.upload_id))).toBe(false);
    await expectError(await ctx.app.request(`/uploads/${upload.upload_id}`), 404, "upload_not_found");
  });
});

describe("POST /convert with multipart/form-data", () => {
  it("uploads the file part and queues a job on it, the output in the upload's own folder", async () => {
    ctx = buildTestApp();
    const body = form(
      { preset: "h264-720p", options: '{"crf":20}', priority: "7" },
      { name: "holiday.mkv", data: "v" },
    );
    const res = await ctx.app.request("/convert", { method: "POST", body });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { job_id: string; input: string; output: string; priority: number };
    const id = /^uploads\/([^/]+)\/holiday\.mkv$/.exec(job.input)?.[1];
    expect(id).toBeDefined();
    expect(job).toMatchObject({
      output: `converted/${id}/holiday.mp4`,
      priority: 7,
      options: { crf: 20, height: 720 },
    });
    expect(res.headers.get("location")).toBe(`/status/${job.job_id}`);
    expect(ctx.queue.added).toHaveLength(1);
  });

  it("refuses a bad field sent before the file without storing a byte of it", async () => {
    ctx = buildTestApp();
    const body = form({ preset: "h266" }, { name: "a.mkv", data: "v" });
    await expectError(await ctx.app.request("/convert", { method: "POST", body }), 422, "unknown_preset");
    expect(uploadFolders()).toEqual([]);
  });

  it.each([
    [{ options: "{not json" }, "validation_failed"],
    [{ overwrite: "maybe" }, "validation_failed"],
    [{ input: "incoming/clip.mkv" }, "validation_failed"],
    [{ output: "../escape.mp4" }, "invalid_path"],
  ])("removes the upload when the fields after the file are refused: %j", async (fields, code) => {
    ctx = buildTestApp();
    const body = form(fields, { name: "a.mkv", data: "v" }, true);
    await expectError(await ctx.app.request("/convert", { method: "POST", body }), 422, code);
    expect(uploadFolders()).toEqual([]);
    expect(ctx.queue.added).toHaveLength(0);
  });

  it("refuses Idempotency-Key with a multipart body, and is not held to the JSON body limit", async () => {
    ctx = buildTestApp({ maxBodyBytes: 2048 });
    const big = { name: "big.mkv", data: "x".repeat(10_000) };
    const refused = await ctx.app.request("/convert", {
      method: "POST",
      headers: { "idempotency-key": "k-1" },
      body: form({}, big),
    });
    await expectError(refused, 422, "validation_failed");
    expect((await ctx.app.request("/convert", { method: "POST", body: form({}, big) })).status).toBe(202);
  });
});

describe("resumable uploads (tus) in process", () => {
  it("creates, takes the bytes in two PATCHes with a HEAD between, and answers the stored upload", async () => {
    ctx = buildTestApp();
    const data = Buffer.alloc(300_000, 7);
    const tus = { "tus-resumable": "1.0.0" };
    const name = Buffer.from("résumé.mkv").toString("base64");
    const created = await ctx.app.request("/uploads/tus", {
      method: "POST",
      headers: { ...tus, "upload-length": String(data.length), "upload-metadata": `filename ${name}` },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get("location") ?? "";
    expect(location).toMatch(/^\/uploads\/tus\/[0-9a-f-]{36}$/);
    const patch = (offset: number, bytes: Buffer) =>
      ctx.app.request(location, {
        method: "PATCH",
        headers: { ...tus, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
        body: bytes,
      });
    expect((await patch(0, data.subarray(0, 100_000))).status).toBe(204);
    const head = await ctx.app.request(location, { method: "HEAD", headers: tus });
    expect(head.headers.get("upload-offset")).toBe("100000");
    await expectError(await patch(5, data.subarray(5, 10)), 409, "upload_conflict");
    const done = await patch(100_000, data.subarray(100_000));
    expect(done.status).toBe(200);
    const upload = (await done.json()) as Upload;
    expect(upload).toMatchObject({
      name: "résumé.mkv",
      size_bytes: data.length,
      sha256: sha256(data),
      status: "complete",
    });
    expect(location.endsWith(upload.upload_id)).toBe(true);
    expect(readFileSync(path.join(ctx.mediaRoot, upload.path)).equals(data)).toBe(true);
    expect(readdirSync(path.join(ctx.uploads.root, ".tus"))).toEqual([]);
  });

  it("refuses an Upload-Length over MAX_UPLOAD_BYTES in the API's error shape", async () => {
    ctx = buildTestApp({ maxUploadBytes: 1000 });
    const res = await ctx.app.request("/uploads/tus", {
      method: "POST",
      headers: { "tus-resumable": "1.0.0", "upload-length": "1001" },
    });
    await expectError(res, 413, "upload_too_large");
  });
});

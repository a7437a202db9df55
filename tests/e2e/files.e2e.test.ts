import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../support/media.js";
import { Deployment, type Job } from "./harness.js";

const run = promisify(execFile);
const API_KEY = "files-e2e-key-0123456789";
const auth = { "x-api-key": API_KEY };
const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;

// One deployment (api + worker processes, real Redis, real ffmpeg) with an
// API key and a 40 MiB upload limit; the client's files live beside the
// media root, as they would on another machine.
const deployment = new Deployment({ API_KEY, MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), UPLOAD_MIN_FREE_BYTES: "0" });
const local = (name: string) => path.join(deployment.dir, "client", name);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

type Upload = { upload_id: string; path: string; name: string; size_bytes: number; sha256: string; status: string };

beforeAll(async () => {
  await makeClip(local("clip.mkv"), { width: 320, height: 240, seconds: 2 });
  writeFileSync(local("random.bin"), randomBytes(24 * 1024 * 1024));
  await deployment.startApi();
  await deployment.startWorker();
});
afterAll(() => deployment.destroy());

/** Upload folders under the media root (the hidden tus store aside). */
const uploadFolders = () =>
  readdirSync(path.join(deployment.mediaRoot, "uploads")).filter((name) => !name.startsWith("."));
/** Files anywhere under uploads/, the tus store included. */
const uploadedFiles = () =>
  readdirSync(path.join(deployment.mediaRoot, "uploads"), { recursive: true, encoding: "utf8" }).filter((name) =>
    statSync(path.join(deployment.mediaRoot, "uploads", name)).isFile(),
  );

async function uploadRaw(file: string, name: string): Promise<Upload> {
  const res = await deployment.request(`/uploads?filename=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body: readFileSync(file),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Upload;
}

async function finished(jobId: string): Promise<Job> {
  const { job } = await deployment.waitForEnd(jobId, 90_000, auth);
  expect(job.status).toBe("completed");
  return job;
}

const curl = (args: string[]) => run("curl", ["-sS", "-H", `X-API-Key: ${API_KEY}`, ...args]);

describe("upload → convert → download over HTTP (real processes)", () => {
  it("uploads a raw body, converts it, and downloads it whole, by ranges and resumed with curl -C -", async () => {
    const upload = await uploadRaw(local("clip.mkv"), "my clip.mkv");
    expect(upload).toMatchObject({
      name: "my clip.mkv",
      size_bytes: statSync(local("clip.mkv")).size,
      status: "complete",
    });
    expect(upload.sha256).toBe(sha256(local("clip.mkv")));

    const submitted = await deployment.request("/convert", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ input: upload.path, preset: "h264-720p", options: { height: 180 } }),
    });
    expect(submitted.status).toBe(202);
    const job = await finished(((await submitted.json()) as Job).job_id);
    expect(job.output).toBe(`converted/${upload.upload_id}/my clip.mp4`);
    expect(job.result).toMatchObject({ width: 240, height: 180, streams: [{ type: "video", action: "encoded" }, {}] });

    const url = `${deployment.baseUrl}/jobs/${job.job_id}/output`;
    const whole = await fetch(url, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-disposition")).toBe(
      `attachment; filename="my clip.mp4"; filename*=UTF-8''my%20clip.mp4`,
    );
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(job.result?.size_bytes);
    writeFileSync(local("whole.mp4"), bytes);
    const probed = await probe(local("whole.mp4"));
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);

    const half = Math.floor(bytes.length / 2);
    const first = await fetch(url, { headers: { ...auth, range: `bytes=0-${half - 1}` } });
    const rest = await fetch(url, { headers: { ...auth, range: `bytes=${half}-` } });
    expect([first.status, rest.status]).toEqual([206, 206]);
    const joined = Buffer.concat([Buffer.from(await first.arrayBuffer()), Buffer.from(await rest.arrayBuffer())]);
    expect(joined.equals(bytes)).toBe(true);

    // A download cut off at a third, resumed by curl from where the file ends.
    writeFileSync(local("resumed.mp4"), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const { stdout } = await curl(["-C", "-", "-o", local("resumed.mp4"), "-w", "%{http_code}", url]);
    expect(stdout).toBe("206");
    expect(readFileSync(local("resumed.mp4")).equals(bytes)).toBe(true);
    // Resuming a complete file: curl sees 416 for the range past the end and leaves the file alone.
    await curl(["-C", "-", "-o", local("resumed.mp4"), url]);
    expect(readFileSync(local("resumed.mp4")).equals(bytes)).toBe(true);
  });

  it("uploads and converts in one multipart request; a compatible stream is copied, and the job says so", async () => {
    const { stdout } = await curl([
      "-F",
      `file=@${local("clip.mkv")}`,
      "-F",
      "preset=h264",
      "-w",
      "\n%{http_code}",
      `${deployment.baseUrl}/convert`,
    ]);
    const [body = "", status] = stdout.split("\n");
    expect(status).toBe("202");
    const job = await finished((JSON.parse(body) as Job).job_id);
    expect(job.input).toMatch(/^uploads\/[0-9a-f-]{36}\/clip\.mkv$/);
    expect(job.encoder).toBeNull();
    expect(job.result?.streams).toEqual([
      { type: "video", action: "copied", codec: "h264", reason: "the input's video stream already satisfies the job" },
      { type: "audio", action: "encoded", codec: "aac", reason: expect.stringMatching(/bitrate is unknown/) },
    ]);
    await curl(["-o", local("copied.mp4"), `${deployment.baseUrl}/jobs/${job.job_id}/output`]);
    const probed = await probe(local("copied.mp4"));
    expect(probed.streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", width: 320 });
  });

  it("probes an upload and lists its folder", async () => {
    const upload = await uploadRaw(local("clip.mkv"), "probe-me.mkv");
    const res = await deployment.request("/probe", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ input: upload.path }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      container: "matroska,webm",
      streams: [{ type: "video", codec: "h264", width: 320, height: 240, pix_fmt: "yuv420p" }, { type: "audio" }],
    });
    const listing = await deployment.request(`/files?dir=uploads/${upload.upload_id}`, { headers: auth });
    expect(await listing.json()).toMatchObject({
      entries: [{ name: "probe-me.mkv", path: upload.path, is_dir: false }],
    });
  });
});

describe("resumable uploads (tus) over HTTP", () => {
  it("continues an upload killed at about half from the last byte the server has", async () => {
    const file = local("random.bin");
    const size = statSync(file).size;
    const created = await deployment.request("/uploads/tus", {
      method: "POST",
      headers: {
        ...auth,
        "tus-resumable": "1.0.0",
        "upload-length": String(size),
        "upload-metadata": `filename ${Buffer.from("big file.bin").toString("base64")}`,
      },
    });
    expect(created.status).toBe(201);
    const location = `${deployment.baseUrl}${created.headers.get("location")}`;
    const id = location.split("/").at(-1) ?? "";
    const patch = (offset: number, rate?: string): ChildProcess =>
      spawn(
        "sh",
        [
          "-c",
          `tail -c +${offset + 1} "$0" | curl -sS -X PATCH -H "X-API-Key: ${API_KEY}" -H "Tus-Resumable: 1.0.0" ` +
            `-H "Upload-Offset: ${offset}" -H "Content-Type: application/offset+octet-stream" ` +
            `${rate ? `--limit-rate ${rate}` : ""} --data-binary @- "${location}"`,
          file,
        ],
        { stdio: "ignore", detached: true },
      );

    const slow = patch(0, "4M");
    const received = await eventually(
      async () => {
        const view = (await (await deployment.request(`/uploads/${id}`, { headers: auth })).json()) as Upload;
        return view.size_bytes >= size / 2 ? view.size_bytes : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "half of the upload to arrive" },
    );
    process.kill(-(slow.pid as number), "SIGKILL");
    expect(received).toBeLessThan(size);

    const offset = await eventually(async () => {
      const head = await fetch(location, { method: "HEAD", headers: { ...auth, "tus-resumable": "1.0.0" } });
      const value = Number(head.headers.get("upload-offset"));
      // The server lets go of the cut-off request's lock before it answers HEAD.
      return head.status === 200 ? value : undefined;
    });
    expect(offset).toBeGreaterThanOrEqual(received);
    expect(offset).toBeLessThan(size);

    const rest = patch(offset);
    await new Promise((resolve) => rest.once("exit", resolve));
    const upload = (await (await deployment.request(`/uploads/${id}`, { headers: auth })).json()) as Upload;
    expect(upload).toMatchObject({ status: "complete", size_bytes: size, name: "big file.bin", sha256: sha256(file) });
    expect(readFileSync(path.join(deployment.mediaRoot, upload.path)).equals(readFileSync(file))).toBe(true);
  });
});

describe("uploads that fail leave nothing behind", () => {
  it("stops a chunked body at MAX_UPLOAD_BYTES with 413 and no file", async () => {
    const before = uploadFolders();
    const status = await new Promise<number | string>((resolve) => {
      const req = request(`${deployment.baseUrl}/uploads?filename=huge.bin`, { method: "POST", headers: auth });
      req.on("response", (res) => resolve(res.statusCode ?? 0));
      req.on("error", (error) => resolve((error as NodeJS.ErrnoException).code ?? "error"));
      const chunk = Buffer.alloc(1024 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 60) {
          sent += 1;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    // The answer is 413; a client still sending may see the connection closed instead.
    expect([413, "EPIPE", "ECONNRESET"]).toContain(status);
    await eventually(() => (uploadFolders().length === before.length ? true : undefined), { what: "no new upload" });
    expect(uploadedFiles().filter((f) => f.includes("huge"))).toEqual([]);
  });

  it("removes what a client that disconnects mid-upload sent", async () => {
    const before = uploadFolders();
    const req = request(`${deployment.baseUrl}/uploads?filename=gone.bin`, {
      method: "POST",
      headers: { ...auth, "content-length": String(30 * 1024 * 1024) },
    });
    req.on("error", () => undefined);
    req.write(Buffer.alloc(8 * 1024 * 1024, 2));
    await eventually(() => (uploadedFiles().some((f) => f.endsWith("gone.bin")) ? true : undefined), {
      what: "the upload to start",
    });
    req.destroy();
    // The API removes the upload's folder with everything in it (a recursive rm: the file goes first,
    // then the folder), so wait for both, not only the file.
    const removed = () =>
      !uploadedFiles().some((f) => f.endsWith("gone.bin")) && uploadFolders().length === before.length;
    await eventually(() => (removed() ? true : undefined), { what: "the partial upload and its folder to be removed" });
    expect(uploadedFiles().filter((f) => f.endsWith("gone.bin"))).toEqual([]);
    expect(uploadFolders()).toEqual(before);
  });

  it("takes 10 uploads at once, each whole and with its own hash", async () => {
    const files = Array.from({ length: 10 }, (_, i) => {
      const file = local(`many-${i}.bin`);
      writeFileSync(file, randomBytes(1024 * 1024 + i));
      return file;
    });
    const uploads = await Promise.all(
      files.map((file) =>
        deployment
          .request(`/uploads?filename=${path.basename(file)}`, {
            method: "POST",
            headers: auth,
            body: createReadStream(file) as unknown as RequestInit["body"],
            duplex: "half",
          } as RequestInit)
          .then(async (res) => ({ status: res.status, body: (await res.json()) as Upload })),
      ),
    );
    expect(uploads.map((u) => u.status)).toEqual(Array(10).fill(201));
    expect(new Set(uploads.map((u) => u.body.upload_id)).size).toBe(10);
    uploads.forEach(({ body }, i) => {
      expect(body.sha256).toBe(sha256(files[i] as string));
      expect(readFileSync(path.join(deployment.mediaRoot, body.path)).equals(readFileSync(files[i] as string))).toBe(
        true,
      );
    });
  });
});

describe("every route needs the key", () => {
  const id = "0192f3c4-0000-7000-8000-000000000001";
  it.each([
    ["POST", "/convert"],
    ["GET", "/jobs"],
    ["GET", `/jobs/${id}`],
    ["GET", `/status/${id}`],
    ["GET", `/jobs/${id}/logs`],
    ["DELETE", `/jobs/${id}`],
    ["POST", `/jobs/${id}/retry`],
    ["GET", "/presets"],
    ["POST", "/uploads"],
    ["GET", `/uploads/${id}`],
    ["DELETE", `/uploads/${id}`],
    ["POST", "/uploads/tus"],
    ["HEAD", `/uploads/tus/${id}`],
    ["PATCH", `/uploads/tus/${id}`],
    ["DELETE", `/uploads/tus/${id}`],
    ["GET", `/jobs/${id}/output`],
    ["HEAD", `/jobs/${id}/output`],
    ["POST", "/probe"],
    ["GET", "/files"],
  ])("%s %s without X-API-Key → 401", async (method, route) => {
    const res = await deployment.request(route, { method, headers: { "tus-resumable": "1.0.0" } });
    expect(res.status).toBe(401);
    if (method !== "HEAD") expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("documents every new route in the OpenAPI document", async () => {
    const doc = (await (await deployment.request("/openapi.json")).json()) as { paths: Record<string, object> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/uploads",
        "/uploads/{upload_id}",
        "/uploads/tus",
        "/uploads/tus/{upload_id}",
        "/jobs/{job_id}/output",
        "/probe",
        "/files",
      ]),
    );
    expect(Object.keys(doc.paths["/jobs/{job_id}/output"] ?? {}).sort()).toEqual(["get", "head"]);
  });
});

// A tidy end: truncate the 24 MiB client file so a failing run does not leave it large in /tmp for long.
afterAll(() => truncateSync(local("random.bin"), 0));

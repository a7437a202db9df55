import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip, probe } from "../support/media.js";
import { Deployment, errorOf, type Job } from "./harness.js";

// One deployment (api + worker processes, real Redis, real ffmpeg) for the
// whole file; each test uses its own files in the media root.
const deployment = new Deployment();

beforeAll(async () => {
  await Promise.all([
    makeClip(path.join(deployment.mediaRoot, "incoming", "movie.mkv"), {
      width: 1920,
      height: 1080,
      seconds: 6,
      rate: 30,
    }),
    makeClip(path.join(deployment.mediaRoot, "incoming", "short.mkv"), { width: 320, height: 240, seconds: 1 }),
  ]);
  writeFileSync(path.join(deployment.mediaRoot, "incoming", "broken.mp4"), "not a video ".repeat(1000));
  await deployment.startApi();
  await deployment.startWorker();
});
afterAll(() => deployment.destroy());

describe("submit, convert on the worker, poll (real processes over HTTP)", () => {
  it("converts 1080p to 720p with rising progress and a result read back from the file", async () => {
    const res = await deployment.convert(
      { input: "incoming/movie.mkv", preset: "h264-720p" },
      { "x-request-id": "e2e-movie" },
    );
    expect(res.status).toBe(202);
    const submitted = (await res.json()) as Job;
    expect(res.headers.get("location")).toBe(`/status/${submitted.job_id}`);
    expect(submitted).toMatchObject({ status: "queued", progress: 0, output: "converted/movie.mp4" });

    const { job, progressSeen } = await deployment.waitForEnd(submitted.job_id);
    expect(job.status).toBe("completed");
    expect(job.progress).toBe(100);
    expect(job).toMatchObject({ encoder: "libx264", worker: "e2e-worker", attempts: 1, error: null });
    expect(job.started_at).not.toBeNull();
    expect(job.finished_at).not.toBeNull();

    // Progress was seen while running, strictly between 0 and 100, never going down.
    const running = progressSeen.filter((p) => p > 0);
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((p) => p < 100)).toBe(true);
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));

    expect(job.result).toMatchObject({
      output: "converted/movie.mp4",
      video_codec: "h264",
      audio_codec: "aac",
      width: 1280,
      height: 720,
    });
    expect(job.result?.duration_seconds as number).toBeCloseTo(6, 0);

    const file = path.join(deployment.mediaRoot, "converted", "movie.mp4");
    const probed = await probe(file);
    const video = probed.streams.find((s) => s.codec_type === "video");
    expect(video).toMatchObject({ codec_name: "h264", width: 1280, height: 720 });
    expect(probed.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("aac");
    expect(job.result?.size_bytes).toBe((await import("node:fs")).statSync(file).size);
    expect(readdirSync(path.dirname(file)).filter((f) => f.startsWith("."))).toEqual([]);

    // The log starts with the exact command line (the files are the descriptors the worker
    // opened, ADR 0020), says which file each descriptor is, then ffmpeg's own output.
    const logs = (await (await deployment.request(`/jobs/${job.job_id}/logs`)).json()) as { logs: string[] };
    expect(logs.logs[0]).toMatch(
      /^ffmpeg -hide_banner -nostdin -y -progress pipe:1 -nostats -protocol_whitelist file -format_whitelist \S+ -max_pixels \d+ -i file:\/dev\/fd\/3 .*scale=w=-2:h=720.* file:\/dev\/fd\/4$/,
    );
    expect(logs.logs[1]).toBe(
      "fd 3 is the input incoming/movie.mkv, fd 4 the temporary output beside converted/movie.mp4",
    );
    expect(logs.logs.some((l) => l.includes("Stream mapping"))).toBe(true);

    // The request id travelled with the job into the worker's log lines.
    const workerLines = deployment.worker?.output.filter((l) => l.includes(job.job_id)) ?? [];
    expect(workerLines.length).toBeGreaterThan(0);
    expect(workerLines.every((l) => JSON.parse(l).request_id === "e2e-movie")).toBe(true);

    // And the job shows in the list, newest first.
    const list = (await (await deployment.request("/jobs?status=completed&limit=5")).json()) as { jobs: Job[] };
    expect(list.jobs.map((j) => j.job_id)).toContain(job.job_id);
  });

  it("fails undecodable media once, with invalid_media, and writes nothing", async () => {
    const res = await deployment.convert({ input: "incoming/broken.mp4", output: "bad/broken.mp4" });
    expect(res.status).toBe(202);
    const { job } = await deployment.waitForEnd(((await res.json()) as Job).job_id);
    expect(job).toMatchObject({ status: "failed", attempts: 1, error: { code: "invalid_media" } });
    expect(job.error?.message).toContain("incoming/broken.mp4");
    expect(job.error?.message).not.toContain(deployment.mediaRoot);
    const bad = path.join(deployment.mediaRoot, "bad");
    expect(existsSync(bad) ? readdirSync(bad) : []).toEqual([]);
  });

  it("converts with every codec family: hevc, av1, vp9 webm, remux and audio-only presets", async () => {
    const cases = [
      { preset: "hevc", ext: "mp4", video: "hevc", audio: "aac" },
      { preset: "av1", ext: "mp4", video: "av1", audio: "opus" },
      { preset: "vp9-webm", ext: "webm", video: "vp9", audio: "opus" },
      { preset: "remux-mp4", ext: "mp4", video: "h264", audio: "aac" },
      { preset: "audio-mp3", ext: "mp3", video: null, audio: "mp3" },
      { preset: "audio-aac", ext: "m4a", video: null, audio: "aac" },
      // The output's extension picks the container when the options do not.
      { preset: "h264", ext: "mkv", video: "h264", audio: "aac" },
    ];
    const ids = [];
    for (const c of cases) {
      const res = await deployment.convert({
        input: "incoming/short.mkv",
        preset: c.preset,
        output: `family/${c.preset}.${c.ext}`,
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as Job).job_id);
    }
    for (const [i, id] of ids.entries()) {
      const { job } = await deployment.waitForEnd(id);
      const expected = cases[i];
      expect(job.status, `${expected?.preset}: ${job.error?.message}`).toBe("completed");
      expect(job.result).toMatchObject({ video_codec: expected?.video, audio_codec: expected?.audio });
    }
  });
});

describe("every error status of the contract, over HTTP", () => {
  it("400 invalid_json", async () => {
    expect(await errorOf(await deployment.convert("{not json"))).toMatchObject({ status: 400, code: "invalid_json" });
  });

  it("404 job_not_found and input_not_found", async () => {
    expect(await errorOf(await deployment.request("/status/0192f3c4-0000-7000-8000-000000000000"))).toMatchObject({
      status: 404,
      code: "job_not_found",
    });
    expect(await errorOf(await deployment.convert({ input: "incoming/nope.mkv" }))).toMatchObject({
      status: 404,
      code: "input_not_found",
    });
  });

  it("409 output_exists for an existing file and for a live job's output", async () => {
    writeFileSync(path.join(deployment.mediaRoot, "incoming", "exists.mp4"), "x");
    expect(
      await errorOf(await deployment.convert({ input: "incoming/short.mkv", output: "incoming/exists.mp4" })),
    ).toMatchObject({
      status: 409,
      code: "output_exists",
    });
    // A long job keeps its output reserved while it is live.
    const first = await deployment.convert({ input: "incoming/movie.mkv", output: "busy/out.mp4", preset: "hevc" });
    expect(first.status).toBe(202);
    expect(
      await errorOf(await deployment.convert({ input: "incoming/short.mkv", output: "busy/out.mp4" })),
    ).toMatchObject({
      status: 409,
      code: "output_exists",
    });
  });

  it("413 payload_too_large", async () => {
    const res = await deployment.convert({ input: "x".repeat(200_000) });
    expect(await errorOf(res)).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("422 validation_failed, invalid_path and unknown_preset", async () => {
    expect(
      await errorOf(await deployment.convert({ input: "incoming/short.mkv", options: { crf: "high" } })),
    ).toMatchObject({
      status: 422,
      code: "validation_failed",
    });
    expect(await errorOf(await deployment.convert({ input: "../../etc/passwd" }))).toMatchObject({
      status: 422,
      code: "invalid_path",
    });
    expect(await errorOf(await deployment.convert({ input: "incoming/short.mkv", preset: "h265-8k" }))).toMatchObject({
      status: 422,
      code: "unknown_preset",
    });
  });

  it("serves the docs, the OpenAPI document and the queue dashboard", async () => {
    expect((await deployment.request("/docs")).status).toBe(200);
    const doc = (await (await deployment.request("/openapi.json")).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    const dashboard = await deployment.request("/admin/queues");
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toMatch(/bull/i);
    const health = (await (await deployment.request("/health")).json()) as {
      status: string;
      workers: { name: string }[];
    };
    expect(health.status).toBe("ok");
    expect(health.workers.map((w) => w.name)).toContain("e2e-worker");
  });
});

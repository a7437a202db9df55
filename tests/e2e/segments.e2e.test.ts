import { execFile } from "node:child_process";
import { readdirSync, unlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { parseSegmentChildId } from "@converter/shared/queue";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../support/media.js";
import { Deployment, errorOf, type Job, REDIS_URL } from "./harness.js";

const run = promisify(execFile);

// Split-and-parallel encoding (docs/adr/0026-split-and-parallel-encoding.md):
// one api and two workers, real Redis and ffmpeg. Short clips with a
// keyframe every second, so a segment length of 2 s gives several segments.
const deployment = new Deployment();
const WORKERS = ["seg-worker-1", "seg-worker-2"];

type Child = {
  id: string;
  kind: string;
  index: number | null;
  status: string;
  worker: string | null;
  attempts: number;
};
type Segments = { length_seconds: number; reason: string; expected_frames: number; children: Child[] };

beforeAll(async () => {
  await Promise.all([
    makeClip(path.join(deployment.mediaRoot, "in", "clip.mp4"), { seconds: 8, rate: 25, gop: 25 }),
    makeClip(path.join(deployment.mediaRoot, "in", "long.mp4"), {
      width: 640,
      height: 480,
      seconds: 20,
      rate: 25,
      gop: 25,
    }),
  ]);
  await deployment.startApi();
  for (const name of WORKERS) await deployment.startWorker({ WORKER_NAME: name, MAX_CONCURRENT_JOBS: "1" });
});
afterAll(() => deployment.destroy());

/** Frames (decoded and counted) and duration of the first video stream, as `ffprobe -count_frames` reads them. */
async function countFrames(file: string): Promise<{ frames: number; duration: number }> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-count_frames",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=nb_read_frames,duration",
    "-of",
    "json",
    file,
  ]);
  const stream = (JSON.parse(stdout) as { streams: { nb_read_frames: string; duration: string }[] }).streams[0];
  return { frames: Number(stream?.nb_read_frames), duration: Number(stream?.duration) };
}

/** ffmpeg's `ssim` filter over the two files: the "All" figure. */
async function ssim(a: string, b: string): Promise<number> {
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-i", a, "-i", b, "-lavfi", "ssim", "-f", "null", "-"]);
  const match = /SSIM .*All:([0-9.]+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`no SSIM in ffmpeg's output: ${stderr.slice(-500)}`);
  return Number(match[1]);
}

async function submit(body: unknown): Promise<Job> {
  const res = await deployment.convert(body);
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

describe("segmented encoding (real api and two workers)", () => {
  it("gives the frame count, duration and picture of a single-pass encode of the same input and options", async () => {
    const options = { crf: 28 };
    const single = await submit({ input: "in/clip.mp4", output: "out/single.mp4", stream_copy: "never", options });
    const segmented = await submit({
      input: "in/clip.mp4",
      output: "out/segmented.mp4",
      stream_copy: "never",
      options: { ...options, segments: 2 },
    });
    const submittedSegments = segmented.segments as Segments;
    expect(submittedSegments).toMatchObject({ length_seconds: 2, reason: "requested", expected_frames: 200 });
    expect(single.segments).toBeNull();

    const [a, b] = await Promise.all([deployment.waitForEnd(single.job_id), deployment.waitForEnd(segmented.job_id)]);
    expect(a.job.status).toBe("completed");
    expect(b.job).toMatchObject({ status: "completed", progress: 100, error: null, encoder: "libx264" });

    // The record shows every child, done, and the worker that ran it.
    const segments = b.job.segments as Segments;
    const video = segments.children.filter((c) => c.kind === "video");
    expect(video.length).toBe(4);
    expect(video.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(segments.children.filter((c) => c.kind === "audio")).toHaveLength(1);
    for (const child of segments.children) {
      expect(child).toMatchObject({ status: "completed", progress: 100 });
      expect(WORKERS).toContain(child.worker);
      expect(parseSegmentChildId(child.id)?.parent).toBe(segmented.job_id);
    }

    const singleFile = path.join(deployment.mediaRoot, "out", "single.mp4");
    const segmentedFile = path.join(deployment.mediaRoot, "out", "segmented.mp4");
    const [s, g] = await Promise.all([countFrames(singleFile), countFrames(segmentedFile)]);
    expect(g.frames).toBe(s.frames);
    expect(s.frames).toBe(200);
    expect(Math.abs(g.duration - s.duration)).toBeLessThanOrEqual(1 / 25);
    const figure = await ssim(segmentedFile, singleFile);
    console.info(`segmented vs single-pass SSIM (All): ${figure}`);
    console.info(`segmented job record: ${JSON.stringify(b.job, null, 2)}`);
    expect(figure).toBeGreaterThanOrEqual(0.98);

    // The parts are gone once joined.
    expect(deployment.partialFiles()).toEqual([]);
  });

  it("refuses segments when nothing is encoded, and a segment length out of bounds", async () => {
    const copy = await deployment.convert({ input: "in/clip.mp4", options: { video_codec: "copy", segments: "auto" } });
    expect(await errorOf(copy)).toMatchObject({ status: 422, code: "segments_unsupported" });
    const tooShort = await deployment.convert({ input: "in/clip.mp4", options: { segments: 0.5 } });
    expect(await errorOf(tooShort)).toMatchObject({ status: 422, code: "validation_failed" });
    const word = await deployment.convert({ input: "in/clip.mp4", options: { segments: "many" } });
    expect(await errorOf(word)).toMatchObject({ status: 422, code: "validation_failed" });
  });

  it("retries a failed child alone: its siblings run once, the job completes", async () => {
    const job = await submit({
      input: "in/long.mp4",
      output: "retry/out.mp4",
      stream_copy: "never",
      options: { segments: 4 },
    });
    // The temporary file of segment 1 vanishes under its ffmpeg: a transient failure of that child alone.
    const folder = path.join(deployment.mediaRoot, "retry");
    const target = `..seg.${job.job_id}.v001.partial.${job.job_id}.`;
    await eventually(
      () => {
        const name = (() => {
          try {
            return readdirSync(folder).find((n) => n.startsWith(target));
          } catch {
            return undefined;
          }
        })();
        if (!name) return undefined;
        unlinkSync(path.join(folder, name));
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 5, what: "segment 1's temporary file" },
    );
    const { job: ended } = await deployment.waitForEnd(job.job_id, 120_000);
    expect(ended.status).toBe("completed");
    const children = (ended.segments as Segments).children;
    expect(children.find((c) => c.index === 1)).toMatchObject({ status: "completed", attempts: 2 });
    for (const child of children.filter((c) => c.index !== 1)) expect(child.attempts).toBe(1);
    const counted = await countFrames(path.join(folder, "out.mp4"));
    expect(counted.frames).toBe(500);
    expect(deployment.partialFiles()).toEqual([]);
  });

  it("runs a cancelled segmented job again, whole, on retry", async () => {
    const job = await submit({
      input: "in/clip.mp4",
      output: "again/out.mp4",
      stream_copy: "never",
      options: { segments: 4 },
    });
    const cancel = await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" });
    expect(cancel.status).toBe(200);
    // A child that was running may still be stopping: the retry answers 409 until it has.
    const retry = await eventually(
      async () => {
        const res = await deployment.request(`/jobs/${job.job_id}/retry`, { method: "POST" });
        if (res.status === 409) return undefined;
        return res;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the retry to be accepted" },
    );
    expect(retry.status).toBe(202);
    const requeued = (await retry.json()) as Job;
    expect((requeued.segments as Segments).children.every((c) => c.status === "queued")).toBe(true);
    const { job: ended } = await deployment.waitForEnd(job.job_id);
    expect(ended).toMatchObject({ status: "completed", retries: 1 });
    expect((ended.segments as Segments).children.every((c) => c.status === "completed")).toBe(true);
    expect((await countFrames(path.join(deployment.mediaRoot, "again", "out.mp4"))).frames).toBe(200);
  });

  it("cancels every child: running ones stop, waiting ones never run", async () => {
    const job = await submit({
      input: "in/long.mp4",
      output: "out/cancelled.mp4",
      stream_copy: "never",
      options: { segments: 2, crf: 20 },
    });
    const children = (job.segments as Segments).children;
    expect(children.length).toBeGreaterThanOrEqual(9);
    await eventually(async () => ((await deployment.job(job.job_id)).status === "in_progress" ? true : undefined), {
      timeoutMs: 30_000,
      what: "a child to start",
    });
    const res = await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const { job: ended } = await deployment.waitForEnd(job.job_id);
    expect(ended.status).toBe("cancelled");
    expect(ended.error).toMatchObject({ code: "cancelled" });

    // In BullMQ, no child is left waiting or running: each was removed or failed as cancelled.
    const redis = new Redis(REDIS_URL);
    const live = ["wait", "active", "prioritized", "delayed", "paused"];
    try {
      await eventually(
        async () => {
          for (const queue of [deployment.queueName, `${deployment.queueName}-gpu-preferred`]) {
            for (const child of children) {
              for (const list of live) {
                const key = `bull:${queue}:${list}`;
                const type = await redis.type(key);
                const inIt =
                  type === "list"
                    ? (await redis.lpos(key, child.id)) !== null
                    : type === "zset"
                      ? (await redis.zscore(key, child.id)) !== null
                      : false;
                if (inIt) return undefined;
              }
            }
          }
          return true;
        },
        { timeoutMs: 30_000, what: "every child to end" },
      );
    } finally {
      redis.disconnect();
    }
    const shown = (await deployment.job(job.job_id)).segments as Segments;
    expect(shown.children.filter((c) => c.status === "completed").length).toBeLessThan(children.length);
    expect(shown.children.filter((c) => c.status === "queued" || c.status === "in_progress")).toEqual([]);
    await eventually(() => (deployment.partialFiles().length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: "every part to be removed",
    });
  });
});

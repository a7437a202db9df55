import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { DEFAULT_JOB_LIMITS, type JobLimits } from "@converter/shared/config/worker";
import { newJobId } from "@converter/shared/ids";
import type { ResolvedOptions } from "@converter/shared/jobs";
import { createLogger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import {
  type ConvertJobData,
  type ConvertJobReturn,
  cancelChannel,
  cancelMarkerKey,
  decodeFailure,
  jobLogLines,
} from "@converter/shared/queue";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../../../tests/support/media.js";
import { ffmpegPidsOfJob } from "../../../tests/support/proc.js";
import { bullLockKey } from "./temp-sweep.js";
import { type ConversionWorker, createConversionWorker } from "./worker.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "worker-int-")));

let queueName: string;
let connection: Redis;
let queue: Queue<ConvertJobData, ConvertJobReturn>;
let events: QueueEvents;
let worker: ConversionWorker;

/** The failure a job ended with, as the API reads it back from BullMQ. */
const failureOf = (job: { failedReason?: string }) => decodeFailure(job.failedReason);

const encoders = {
  libx264: true,
  libx265: true,
  libsvtav1: true,
  "libvpx-vp9": true,
  aac: true,
  libopus: true,
  libmp3lame: true,
  h264_nvenc: false,
  hevc_nvenc: false,
  av1_nvenc: false,
};

beforeAll(async () => {
  await makeClip(path.join(mediaRoot, "in", "clip.mkv"), { width: 320, height: 240, seconds: 2 });
  await makeClip(path.join(mediaRoot, "in", "tone.m4a"), { video: false, seconds: 1 });
  await makeClip(path.join(mediaRoot, "in", "pcm.mkv"), { seconds: 1, audioCodec: "pcm_s16le" });
  writeFileSync(path.join(mediaRoot, "in", "garbage.mp4"), "definitely not media ".repeat(500));
});
afterAll(() => rmSync(mediaRoot, { recursive: true, force: true }));

beforeEach(async () => {
  queueName = `worker-int-${process.pid}-${Date.now()}`;
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(queueName, {
    connection,
    defaultJobOptions: { attempts: 3, backoff: { type: "fixed", delay: 10 } },
  });
  events = new QueueEvents(queueName, { connection: connection.duplicate() });
  await events.waitUntilReady();
  worker = startWorker({ heartbeatIntervalMs: 200 });
  await worker.waitUntilReady();
});

function startWorker(overrides: Partial<Parameters<typeof createConversionWorker>[0]> = {}): ConversionWorker {
  return createConversionWorker({
    connection: connection.duplicate({ maxRetriesPerRequest: null }),
    queueName,
    workerName: "int-worker",
    mediaRoot,
    concurrency: 1,
    hardware: "auto",
    ffmpegPath: "ffmpeg",
    ffprobePath: "ffprobe",
    encoders,
    maxStalledCount: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    stallTimeoutMs: 60_000,
    shutdownGraceMs: 0,
    log: createLogger({ name: "worker-int", level: "silent" }),
    ...overrides,
  });
}

afterEach(async () => {
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

function payload(
  options: Partial<ResolvedOptions> & { preset?: string },
  paths: { input: string; output: string },
  overwrite = false,
): ConvertJobData {
  const { preset = "h264", ...overrides } = options;
  const base = findPreset(preset)?.options;
  if (!base) throw new Error(`no preset ${preset}`);
  const id = newJobId();
  // These tests are about encoding: a stream the job would copy (ADR 0022) is
  // tested on purpose below, with stream_copy auto.
  return {
    job_id: id,
    ...paths,
    preset,
    options: { ...base, ...overrides },
    overwrite,
    request_id: `req-${id}`,
    stream_copy: "never",
  };
}

async function runToEnd(data: ConvertJobData) {
  const job = await queue.add("convert", data, { jobId: data.job_id });
  try {
    await job.waitUntilFinished(events, 60_000);
  } catch {
    // failures are inspected below
  }
  const finished = await queue.getJob(data.job_id);
  if (!finished) throw new Error("job vanished");
  return {
    job: finished,
    state: await finished.getState(),
    logs: jobLogLines((await queue.getJobLogs(data.job_id)).logs),
  };
}

const leftovers = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".partial")) : []);

describe("conversion worker (real Redis, real ffmpeg)", () => {
  it("converts, reports progress, logs the command first and publishes the output atomically", async () => {
    const progress: unknown[] = [];
    events.on("progress", ({ data }) => progress.push(data));
    const data = payload({ preset: "h264-720p", height: 180 }, { input: "in/clip.mkv", output: "out/a/clip.mp4" });
    const { job, state, logs } = await runToEnd(data);

    expect(state).toBe("completed");
    expect(job.returnvalue).toMatchObject({
      encoder: "libx264",
      worker: "int-worker",
      result: { output: "out/a/clip.mp4", video_codec: "h264", audio_codec: "aac", width: 240, height: 180 },
    });
    expect(job.returnvalue.result.size_bytes).toBeGreaterThan(1000);
    expect(job.returnvalue.result.duration_seconds).toBeCloseTo(2, 0);
    const file = path.join(mediaRoot, "out/a/clip.mp4");
    const probed = await probe(file);
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(leftovers(path.dirname(file))).toEqual([]);

    expect(logs[0]).toMatch(/^ffmpeg -hide_banner -nostdin -y -progress pipe:1 -nostats .*-c:v libx264/);
    expect(logs.some((l) => l.startsWith("worker int-worker, attempt 1"))).toBe(true);
    expect(logs.at(-1)).toMatch(/^completed in/);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ percent: 0, encoder: "libx264", worker: "int-worker" });
  });

  it("fails undecodable media once, without retries, and leaves no file", async () => {
    const { job, state } = await runToEnd(payload({}, { input: "in/garbage.mp4", output: "out/garbage.mp4" }));
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(failureOf(job)).toEqual({
      code: "invalid_media",
      message: expect.stringMatching(/^ffprobe could not read the file/),
    });
    expect(existsSync(path.join(mediaRoot, "out/garbage.mp4"))).toBe(false);
    expect(leftovers(path.join(mediaRoot, "out"))).toEqual([]);
  });

  it("fails a job ffmpeg cannot produce with ffmpeg_failed and removes the temporary file", async () => {
    // PCM audio cannot be copied into MP4.
    const { job, state, logs } = await runToEnd(
      payload({ preset: "remux-mp4" }, { input: "in/pcm.mkv", output: "out/pcm.mp4" }),
    );
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    // The cause, not ffmpeg's closing "Conversion failed!" or "Last message repeated".
    expect(failureOf(job)).toEqual({
      code: "ffmpeg_failed",
      message: expect.stringMatching(/^ffmpeg exited with status 1: the mp4 container cannot hold the pcm_s16le codec/),
    });
    expect(logs.join("\n")).toMatch(/pcm_s16le/);
    expect(existsSync(path.join(mediaRoot, "out/pcm.mp4"))).toBe(false);
    expect(leftovers(path.join(mediaRoot, "out"))).toEqual([]);
  });

  it("says why a copy into a container that cannot hold the codec failed", async () => {
    const { job, state } = await runToEnd(
      payload(
        { preset: "remux-mp4", container: "webm", audio_codec: "none" },
        { input: "in/clip.mkv", output: "out/h264.webm" },
      ),
    );
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({
      code: "ffmpeg_failed",
      message: expect.stringMatching(/^ffmpeg exited with status 1: the webm container cannot hold .*WebM takes only/),
    });
  });

  it("fails a GPU-only job with gpu_unavailable when NVENC did not pass its test", async () => {
    const { job, state } = await runToEnd(
      payload({ hardware: "gpu" }, { input: "in/clip.mkv", output: "out/gpu.mp4" }),
    );
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({
      code: "gpu_unavailable",
      message: expect.stringMatching(/^h264_nvenc did not pass its test encode/),
    });
  });

  it("copies a stream that already satisfies the job instead of re-encoding it, and says so per stream", async () => {
    const data = { ...payload({}, { input: "in/clip.mkv", output: "out/copied.mp4" }), stream_copy: "auto" as const };
    const { job, state, logs } = await runToEnd(data);
    expect(state).toBe("completed");
    expect(job.returnvalue.encoder).toBeNull();
    expect(job.returnvalue.result).toMatchObject({ video_codec: "h264", audio_codec: "aac", width: 320, height: 240 });
    expect(job.returnvalue.result.streams).toEqual([
      { type: "video", action: "copied", codec: "h264", reason: "the input's video stream already satisfies the job" },
      // ffmpeg's Matroska records no audio bitrate, so the 128k ceiling cannot be shown to hold.
      { type: "audio", action: "encoded", codec: "aac", reason: expect.stringMatching(/bitrate is unknown/) },
    ]);
    expect(logs[0]).toMatch(/-c:v copy -c:a aac -b:a 128k/);
    expect(logs.some((l) => /video copied, audio encoded$/.test(l))).toBe(true);
  });

  it("copies a GPU-only job's video without NVENC: a copy encodes nothing", async () => {
    const data = {
      ...payload({ hardware: "gpu" }, { input: "in/clip.mkv", output: "out/gpu-copy.mp4" }),
      stream_copy: "auto" as const,
    };
    const { job, state } = await runToEnd(data);
    expect(state).toBe("completed");
    expect(job.returnvalue.result.streams?.[0]).toMatchObject({ type: "video", action: "copied" });
  });

  it("converts audio-only input with a video preset into an audio-only file", async () => {
    const { job, state } = await runToEnd(payload({}, { input: "in/tone.m4a", output: "out/tone.mp4" }));
    expect(state).toBe("completed");
    expect(job.returnvalue.result).toMatchObject({ video_codec: null, audio_codec: "aac", width: null });
  });

  it("never replaces an output that appeared while the job waited, unless overwrite is set", async () => {
    mkdirSync(path.join(mediaRoot, "out"), { recursive: true });
    writeFileSync(path.join(mediaRoot, "out/taken.mp4"), "precious");
    const { job, state } = await runToEnd(payload({}, { input: "in/clip.mkv", output: "out/taken.mp4" }));
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({ code: "output_exists", message: expect.any(String) });

    const replaced = await runToEnd(
      payload({ duration: 0.5 }, { input: "in/clip.mkv", output: "out/taken.mp4" }, true),
    );
    expect(replaced.state).toBe("completed");
    expect((await probe(path.join(mediaRoot, "out/taken.mp4"))).streams.length).toBe(2);
  });

  it("refuses a queued path that escapes the media root, whatever the API let through", async () => {
    const { job, state } = await runToEnd(payload({}, { input: "../../etc/passwd", output: "out/x.mp4" }));
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({ code: "invalid_path", message: expect.any(String) });
  });

  it.each([
    ["the same path", "in/self.mkv"],
    ["a hard link to the input", "in/self-link.mkv"],
  ])("refuses a queued output that is the input (%s), whatever the API let through", async (_name, output) => {
    const input = path.join(mediaRoot, "in", "self.mkv");
    if (!existsSync(input)) {
      copyFileSync(path.join(mediaRoot, "in", "clip.mkv"), input);
      linkSync(input, path.join(mediaRoot, "in", "self-link.mkv"));
    }
    const before = statSync(input);
    const { job, state } = await runToEnd(payload({ duration: 0.5 }, { input: "in/self.mkv", output }, true));
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(failureOf(job)).toEqual({ code: "invalid_path", message: expect.stringMatching(/is the input/) });
    const after = statSync(input);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    expect(leftovers(path.join(mediaRoot, "in"))).toEqual([]);
  });

  it("converts to an output whose name is as long as a name may be (255 bytes)", async () => {
    // 83 CJK characters and ".mp4": the longest name the API allows, at which the temporary name must still fit.
    const output = `out/${"動".repeat(83)}.mp4`;
    expect(Buffer.byteLength(path.basename(output))).toBe(253);
    const { job, state } = await runToEnd(payload({ duration: 0.5 }, { input: "in/clip.mkv", output }));
    expect(state, job.failedReason).toBe("completed");
    expect(job.attemptsMade).toBe(1);
    expect(existsSync(path.join(mediaRoot, output))).toBe(true);
    expect(leftovers(path.join(mediaRoot, "out"))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0).each([
    ["a folder to create on a read-only filesystem", "ro/new-folder/x.mp4"],
    ["a file to create in a read-only folder", "ro/x.mp4"],
  ])("fails %s once, as invalid_path, without this node's paths", async (_name, output) => {
    const readOnly = path.join(mediaRoot, "ro");
    mkdirSync(readOnly, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", readOnly]);
    try {
      const { job, state } = await runToEnd(payload({ duration: 0.5 }, { input: "in/clip.mkv", output }));
      expect(state).toBe("failed");
      expect(job.attemptsMade).toBe(1);
      const failure = failureOf(job);
      expect(failure).toEqual({ code: "invalid_path", message: expect.stringMatching(/read-only/) });
      expect(failure.message).toContain(output);
      expect(failure.message).not.toContain(mediaRoot);
      expect(failure.message).not.toMatch(/\/proc\/|\/dev\/fd/);
    } finally {
      execFileSync("umount", [readOnly]);
    }
  });

  it("trims with start and duration", async () => {
    const { job, state } = await runToEnd(
      payload({ start: 0.5, duration: 1 }, { input: "in/clip.mkv", output: "out/trimmed.mp4" }),
    );
    expect(state).toBe("completed");
    expect(job.returnvalue.result.duration_seconds).toBeGreaterThan(0.9);
    expect(job.returnvalue.result.duration_seconds).toBeLessThan(1.2);
  });

  it("runs MAX_CONCURRENT_JOBS encodes at the same time", async () => {
    await worker.close();
    worker = startWorker({ workerName: "int-worker-2", concurrency: 2, hardware: "cpu" });
    const first = payload({ preset: "hevc" }, { input: "in/clip.mkv", output: "out/c1.mp4" });
    const second = payload({ preset: "hevc" }, { input: "in/clip.mkv", output: "out/c2.mp4" });
    const [a, b] = await Promise.all([runToEnd(first), runToEnd(second)]);
    expect([a.state, b.state]).toEqual(["completed", "completed"]);
    // Both were taken before either finished.
    expect(Math.max(a.job.processedOn ?? 0, b.job.processedOn ?? 0)).toBeLessThan(
      Math.min(a.job.finishedOn ?? 0, b.job.finishedOn ?? 0),
    );
  });

  it("fails a start at or past the end of the input as invalid_media", async () => {
    const { job, state } = await runToEnd(payload({ start: 30 }, { input: "in/clip.mkv", output: "out/late.mp4" }));
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({
      code: "invalid_media",
      message: expect.stringMatching(/^start \(30 s\) is at or past the end of the input/),
    });
    expect(existsSync(path.join(mediaRoot, "out/late.mp4"))).toBe(false);
  });

  it("removes temporary files that earlier runs of the job left behind", async () => {
    const data = payload({ duration: 0.5 }, { input: "in/clip.mkv", output: "out/leftover.mp4" });
    mkdirSync(path.join(mediaRoot, "out"), { recursive: true });
    const stale = path.join(mediaRoot, "out", `.leftover.mp4.${data.job_id}.deadbeef.partial`);
    writeFileSync(stale, "half an encode");
    const { state } = await runToEnd(data);
    expect(state).toBe("completed");
    expect(existsSync(stale)).toBe(false);
  });

  it("recognises an output an earlier run of the same job published, instead of failing on it", async () => {
    const target = path.join(mediaRoot, "out", "mine.mp4");
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(mediaRoot, "in", "clip.mkv"), target);
    const { ino, size } = statSync(target);
    const data = {
      ...payload({}, { input: "in/clip.mkv", output: "out/mine.mp4" }),
      published: { ino, size, encoder: "libx264" },
    };
    const { job, state, logs } = await runToEnd(data);
    expect(state).toBe("completed");
    expect(job.returnvalue.result).toMatchObject({ output: "out/mine.mp4", size_bytes: size, video_codec: "h264" });
    expect(logs.at(-1)).toMatch(/published by an earlier run/);
  });

  it("hands its running job back when it stops, without spending an attempt", async () => {
    await makeClip(path.join(mediaRoot, "in", "long.mkv"), { width: 640, height: 360, seconds: 20 });
    const data = payload({ preset: "hevc" }, { input: "in/long.mkv", output: "out/handed.mp4" });
    await queue.add("convert", data, { jobId: data.job_id });
    await eventually(async () => ((await queue.getJob(data.job_id))?.progress ? true : undefined), {
      what: "job to run",
    });
    await worker.close();
    const job = await queue.getJob(data.job_id);
    expect(await job?.getState()).toMatch(/^(waiting|prioritized)$/);
    expect(job?.attemptsMade).toBe(0);
    expect(readdirSync(path.join(mediaRoot, "out")).filter((f) => f.includes(data.job_id))).toEqual([]);

    worker = startWorker({ workerName: "int-worker-3" });
    await eventually(async () => ((await job?.getState()) === "completed" ? true : undefined), {
      timeoutMs: 60_000,
      what: "the handed-back job to complete on another worker",
    });
    // Only the run that finished counts (BullMQ counts a completion as an attempt made).
    expect((await queue.getJob(data.job_id))?.attemptsMade).toBe(1);
  });

  it.each([
    ["h264", {}],
    ["hevc", { preset: "hevc" }],
    ["av1", { preset: "av1" }],
  ])("converts an odd-sized source (853x481) to %s at an even size", async (codec, options) => {
    const source = path.join(mediaRoot, "in", "odd-853x481.mkv");
    if (!existsSync(source)) {
      // 4:4:4 can be odd-sized; the 4:2:0 output cannot.
      execFileSync("ffmpeg", [
        ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=853x481:rate=25:duration=1"],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", source],
      ]);
    }
    const { job, state } = await runToEnd(
      payload({ ...options, audio_codec: "none" }, { input: "in/odd-853x481.mkv", output: `out/odd-${codec}.mp4` }),
    );
    expect(state, job.failedReason).toBe("completed");
    expect(job.returnvalue.result).toMatchObject({ video_codec: codec, width: 852, height: 480 });
  });

  it("heartbeats its measured encoders", async () => {
    const raw = await connection.get(`converter:${queueName}:workers:int-worker`);
    expect(JSON.parse(raw ?? "{}")).toMatchObject({
      name: "int-worker",
      encoders: { libx264: true, h264_nvenc: false },
    });
  });
});

describe("job control on the worker (real Redis, real ffmpeg)", () => {
  const longClip = "in/long-control.mkv";
  beforeAll(async () => {
    await makeClip(path.join(mediaRoot, longClip), { width: 640, height: 360, seconds: 30 });
  });

  async function startRunning(data: ConvertJobData, attempts = 1) {
    await queue.add("convert", data, { jobId: data.job_id, attempts });
    await eventually(async () => ((await queue.getJob(data.job_id))?.progress ? true : undefined), {
      what: "the job to make progress",
    });
    expect(ffmpegPidsOfJob(data.job_id)).toHaveLength(1);
  }

  async function finalState(jobId: string, timeoutMs = 30_000) {
    await eventually(
      async () => {
        const state = await (await queue.getJob(jobId))?.getState();
        return state === "completed" || state === "failed" ? true : undefined;
      },
      { timeoutMs, what: "the job to end" },
    );
    const job = await queue.getJob(jobId);
    if (!job) throw new Error("job vanished");
    return { job, state: await job.getState(), logs: jobLogLines((await queue.getJobLogs(jobId)).logs) };
  }

  it("stops a running job on a cancel message: ffmpeg killed, no file left, failed as cancelled once", async () => {
    const data = payload({ preset: "hevc" }, { input: longClip, output: "out/cancel-msg.mp4" });
    await startRunning(data, 3);
    // The sweep's notion of "running" is BullMQ's lock.
    expect(await connection.exists(bullLockKey(queueName, data.job_id))).toBe(1);

    const asked = Date.now();
    await connection
      .multi()
      .set(cancelMarkerKey(queueName, data.job_id), "now")
      .publish(cancelChannel(queueName), data.job_id)
      .exec();
    const { job, state, logs } = await finalState(data.job_id);
    const tookMs = Date.now() - asked;

    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({ code: "cancelled", message: expect.any(String) });
    expect(job.attemptsMade).toBe(1);
    expect(tookMs).toBeLessThan(7000);
    expect(ffmpegPidsOfJob(data.job_id)).toEqual([]);
    expect(existsSync(path.join(mediaRoot, "out", "cancel-msg.mp4"))).toBe(false);
    expect(leftovers(path.join(mediaRoot, "out")).filter((f) => f.includes(data.job_id))).toEqual([]);
    expect(logs.some((line) => line.includes("cancelled by a client request"))).toBe(true);
  });

  it("stops a running job on the durable marker alone, when the message was missed", async () => {
    await worker.close();
    worker = startWorker({ workerName: "int-worker-poll", cancelPollIntervalMs: 200 });
    const data = payload({ preset: "hevc" }, { input: longClip, output: "out/cancel-marker.mp4" });
    await startRunning(data);
    await connection.set(cancelMarkerKey(queueName, data.job_id), "now");
    const { job, state } = await finalState(data.job_id);
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({ code: "cancelled", message: expect.any(String) });
    expect(ffmpegPidsOfJob(data.job_id)).toEqual([]);
  });

  it("ends a job cancelled before any worker took it without running ffmpeg", async () => {
    const data = payload({}, { input: "in/clip.mkv", output: "out/cancel-early.mp4" });
    await connection.set(cancelMarkerKey(queueName, data.job_id), "now");
    const { job, state, logs } = await runToEnd(data);
    expect(state).toBe("failed");
    expect(failureOf(job)).toEqual({ code: "cancelled", message: expect.any(String) });
    expect(logs).toEqual(["cancelled before it started"]);
  });

  it("kills an ffmpeg that stops making progress and runs the job again", async () => {
    await worker.close();
    worker = startWorker({ workerName: "int-worker-stall", stallTimeoutMs: 1500 });
    const data = payload({}, { input: longClip, output: "out/stalled.mp4" });
    await startRunning(data, 2);
    const [pid] = ffmpegPidsOfJob(data.job_id);
    // A frozen ffmpeg: alive, holding its files, writing nothing.
    process.kill(pid as number, "SIGSTOP");
    const { job, state, logs } = await finalState(data.job_id, 90_000);
    expect(logs.some((line) => line.includes("ffmpeg stopped making progress"))).toBe(true);
    expect(state).toBe("completed");
    expect(job.attemptsMade).toBe(2);
    expect(() => process.kill(pid as number, 0)).toThrow();
    expect(leftovers(path.join(mediaRoot, "out")).filter((f) => f.includes(data.job_id))).toEqual([]);
  });

  it("retries a job whose temporary output was removed while ffmpeg wrote it, instead of failing it for good", async () => {
    const data = payload({}, { input: longClip, output: "out/vanished.mp4" });
    await startRunning(data, 2);
    const partial = await eventually(
      () => leftovers(path.join(mediaRoot, "out")).find((f) => f.includes(data.job_id)),
      { what: "ffmpeg to create its temporary output" },
    );
    rmSync(path.join(mediaRoot, "out", partial));
    const { job, state, logs } = await finalState(data.job_id, 90_000);
    expect(state).toBe("completed");
    expect(job.attemptsMade).toBe(2);
    expect(logs.join("\n")).not.toMatch(/unreadable/);
    expect((await probe(path.join(mediaRoot, "out", "vanished.mp4"))).format.duration).toBeDefined();
  });

  it("lets its running job finish within the shutdown grace period", async () => {
    await worker.close();
    worker = startWorker({ workerName: "int-worker-grace", shutdownGraceMs: 60_000 });
    const data = payload({}, { input: "in/clip.mkv", output: "out/graceful.mp4" });
    await queue.add("convert", data, { jobId: data.job_id });
    await eventually(async () => ((await queue.getJob(data.job_id))?.processedOn ? true : undefined), {
      what: "the job to start",
    });
    await worker.close();
    const job = await queue.getJob(data.job_id);
    expect(await job?.getState()).toBe("completed");
    expect(job?.attemptsMade).toBe(1);
  });
});

describe("job limits (real Redis, real ffmpeg)", () => {
  async function withLimits(limits: Partial<JobLimits>) {
    await worker.close();
    worker = startWorker({ workerName: "int-worker-limits", limits: { ...DEFAULT_JOB_LIMITS, ...limits } });
    await worker.waitUntilReady();
  }

  it.each([
    [{ maxInputWidth: 300 }, "input_limit_exceeded", /^the input's video is 320x240; MAX_INPUT_WIDTH allows 300/],
    [{ maxInputHeight: 200 }, "input_limit_exceeded", /^.*MAX_INPUT_HEIGHT allows 200/],
    [{ maxInputPixels: 320 * 200 }, "input_limit_exceeded", /^.*MAX_INPUT_PIXELS allows 64000/],
    [{ maxInputDurationSeconds: 1 }, "input_limit_exceeded", /^the input lasts 2\.\d s; MAX_INPUT_DURATION_SECONDS/],
    [{ maxInputStreams: 1 }, "input_limit_exceeded", /^the input has 2 streams; MAX_INPUT_STREAMS allows 1/],
    [{ maxInputBytes: 1000 }, "input_too_large", /^the input is \d+ bytes; MAX_INPUT_BYTES allows 1000/],
    [{ maxOutputBytes: 4096 }, "output_too_large", /^the output reached MAX_OUTPUT_BYTES \(4096 bytes\)/],
  ])("fails a job over %j once with %s, naming the limit, and publishes nothing", async (limits, code, message) => {
    await withLimits(limits);
    const { job, state } = await runToEnd(payload({}, { input: "in/clip.mkv", output: "out/limited.mp4" }));
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(failureOf(job)).toEqual({ code, message: expect.stringMatching(message) });
    expect(existsSync(path.join(mediaRoot, "out/limited.mp4"))).toBe(false);
    expect(leftovers(path.join(mediaRoot, "out"))).toEqual([]);
  });

  it("kills ffmpeg at JOB_TIMEOUT_SECONDS and fails the job as job_timeout", async () => {
    await makeClip(path.join(mediaRoot, "in", "slow.mkv"), { width: 640, height: 360, seconds: 20 });
    await withLimits({ jobTimeoutSeconds: 1 });
    const started = Date.now();
    const { job, state } = await runToEnd(
      payload({ preset: "hevc" }, { input: "in/slow.mkv", output: "out/slow.mp4" }),
    );
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(failureOf(job)).toEqual({
      code: "job_timeout",
      message: expect.stringMatching(/^ffmpeg ran longer than JOB_TIMEOUT_SECONDS \(1 s\)/),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(leftovers(path.join(mediaRoot, "out"))).toEqual([]);
  });
});

describe("the worker's log lines (real Redis, real ffmpeg)", () => {
  /** A logger as main.ts makes it, writing its JSON lines here. */
  function capturedLog() {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    });
    const log = createLogger({ name: "worker", level: "info", destination });
    const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { log, raw, lines };
  }

  it("names the request in a failed job's line, and never writes one key twice", async () => {
    const captured = capturedLog();
    await worker.close();
    worker = startWorker({ workerName: "int-worker-logs", log: captured.log });
    const good = payload({ duration: 0.5 }, { input: "in/clip.mkv", output: "out/logged.mp4" });
    expect((await runToEnd(good)).state).toBe("completed");
    const bad = payload({}, { input: "in/garbage.mp4", output: "out/logged-garbage.mp4" });
    expect((await runToEnd(bad)).state).toBe("failed");

    // The worker's own "failed" event may come after the queue's event that ended runToEnd.
    const failed = await eventually(() => captured.lines().find((line) => line.msg === "job failed"), {
      what: "the job failed line",
    });
    expect(failed).toMatchObject({ level: 40, job_id: bad.job_id, request_id: bad.request_id, code: "invalid_media" });
    const started = captured.raw.find((line) => line.includes('"msg":"ffmpeg started"'));
    expect(started).toBeDefined();
    // JSON.parse keeps the last of two equal keys: count them in the raw line.
    for (const line of captured.raw) expect(line.match(/"pid":/g) ?? [], line).toHaveLength(1);
    expect(JSON.parse(started ?? "{}")).toMatchObject({ pid: process.pid, ffmpeg_pid: expect.any(Number) });
  });

  it("logs a client's cancel at info as a cancel, not as a failed job", async () => {
    const captured = capturedLog();
    await worker.close();
    worker = startWorker({ workerName: "int-worker-cancel-log", log: captured.log });
    const data = payload({}, { input: "in/clip.mkv", output: "out/cancel-logged.mp4" });
    await connection.set(cancelMarkerKey(queueName, data.job_id), "now");
    expect((await runToEnd(data)).state).toBe("failed");
    const ofJob = () => captured.lines().filter((line) => line.job_id === data.job_id);
    const cancelled = await eventually(() => ofJob().find((line) => line.msg === "job cancelled"), {
      what: "the job cancelled line",
    });
    expect(ofJob().filter((line) => line.msg === "job failed")).toEqual([]);
    expect(cancelled).toMatchObject({
      level: 30,
      request_id: data.request_id,
    });
  });
});

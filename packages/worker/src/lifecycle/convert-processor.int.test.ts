import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import type { ConvertJobData } from "@converter/shared/queue";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../../../../tests/support/media.js";
import { createConvertProcessor } from "./convert-processor.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "processor-int-")));
const queueName = `processor-int-${process.pid}-${Date.now()}`;
let connection: Redis;
let queue: Queue<ConvertJobData>;

beforeAll(async () => {
  await makeClip(path.join(mediaRoot, "in.mkv"), { width: 320, height: 240, seconds: 1 });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(queueName, { connection });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  rmSync(mediaRoot, { recursive: true, force: true });
});

describe("convert processor (real Redis, real ffmpeg)", () => {
  it("does not publish when its run no longer holds the job's lock", async () => {
    const options = findPreset("h264")?.options;
    if (!options) throw new Error("no h264 preset");
    const id = newJobId();
    const data: ConvertJobData = {
      job_id: id,
      input: "in.mkv",
      output: "out.mp4",
      preset: "h264",
      options,
      overwrite: false,
      request_id: `req-${id}`,
    };
    await queue.add("convert", data, { jobId: id });
    // Take the job as a worker does, then let another run own its lock, as
    // after an outage of Redis longer than the lock (BullMQ's extendLock then
    // answers 0 rather than throwing).
    const taker = new Worker<ConvertJobData>(queueName, null, { connection: connection.duplicate() });
    const token = "run-that-lost-its-lock";
    const job = await taker.getNextJob(token);
    if (!job) throw new Error("no job to take");
    await connection.set(`bull:${queueName}:${id}:lock`, "another-run", "PX", 30_000);

    const convert = createConvertProcessor({
      workerName: "int",
      mediaRoot,
      ffmpegPath: "ffmpeg",
      ffprobePath: "ffprobe",
      hardware: "cpu",
      encoders: { libx264: true, aac: true },
      log: createLogger({ name: "processor-int", level: "silent" }),
      stallTimeoutMs: 60_000,
      isCancelRequested: async () => false,
    });
    await expect(convert(job, token)).rejects.toThrow(/another worker took the job over/);
    expect(existsSync(path.join(mediaRoot, "out.mp4"))).toBe(false);
    expect(readdirSync(mediaRoot).filter((name) => name.endsWith(".partial"))).toEqual([]);
    expect((await queue.getJob(id))?.data.published).toBeUndefined();
    await taker.close();
  });
});

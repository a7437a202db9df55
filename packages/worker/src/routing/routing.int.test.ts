import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import {
  type ConvertJobData,
  type JobRoute,
  removeWorkerHeartbeat,
  routeQueueName,
  type WorkerHeartbeat,
  writeWorkerHeartbeat,
} from "@converter/shared/queue";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeClip } from "../../../../tests/support/media.js";
import { type ConversionWorker, createConversionWorker } from "../worker.js";

// Routing on one worker (ADR 0016), with the real Redis and ffmpeg: which
// queues it reads, how its slots are shared between them, and how a worker
// without NVENC steps back from gpu-preferred jobs while a GPU worker idles.

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "routing-int-")));
const cpuEncoders = { libx264: true, aac: true, h264_nvenc: false, hevc_nvenc: false, av1_nvenc: false };

let queueName: string;
let connection: Redis;
let worker: ConversionWorker | undefined;
const queues: Queue[] = [];
const eventStreams: QueueEvents[] = [];

beforeAll(() => makeClip(path.join(mediaRoot, "in", "clip.mkv"), { width: 160, height: 120, seconds: 1 }));
afterAll(() => rmSync(mediaRoot, { recursive: true, force: true }));
beforeEach(() => {
  queueName = `routing-int-${process.pid}-${Date.now()}`;
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await Promise.all(eventStreams.splice(0).map((e) => e.close()));
  for (const queue of queues.splice(0)) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await removeWorkerHeartbeat(connection, queueName, "gpu-elsewhere");
  connection.disconnect();
});

function start(concurrency = 1): ConversionWorker {
  worker = createConversionWorker({
    connection: connection.duplicate({ maxRetriesPerRequest: null }),
    queueName,
    workerName: "cpu-here",
    mediaRoot,
    concurrency,
    hardware: "auto",
    ffmpegPath: "ffmpeg",
    ffprobePath: "ffprobe",
    encoders: cpuEncoders,
    maxStalledCount: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    stallTimeoutMs: 60_000,
    shutdownGraceMs: 0,
    heartbeatIntervalMs: 200,
    preferenceIntervalMs: 200,
    log: createLogger({ name: "routing-int", level: "silent" }),
  });
  return worker;
}

async function queueOf(route: JobRoute): Promise<{ queue: Queue<ConvertJobData>; events: QueueEvents }> {
  const name = routeQueueName(queueName, route);
  const queue = new Queue<ConvertJobData>(name, { connection });
  const events = new QueueEvents(name, { connection: connection.duplicate() });
  queues.push(queue);
  eventStreams.push(events);
  await events.waitUntilReady();
  return { queue, events };
}

function payload(output: string, hardware: "auto" | "gpu" | "cpu" = "auto"): ConvertJobData {
  const id = newJobId();
  return {
    job_id: id,
    input: "in/clip.mkv",
    output,
    preset: "h264",
    options: {
      container: "mp4",
      video_codec: "h264",
      crf: 30,
      video_bitrate: null,
      width: null,
      height: null,
      fps: null,
      audio_codec: "aac",
      audio_bitrate: null,
      start: null,
      duration: null,
      hardware,
    },
    overwrite: false,
    request_id: `req-${id}`,
  };
}

describe("routing on a worker (real Redis, real ffmpeg)", () => {
  it("reads only the queues its start-up tests proved, and leaves hardware=gpu jobs to a GPU worker", async () => {
    const w = start();
    expect(w.routes).toEqual(["gpu-preferred", "any"]);
    await w.waitUntilReady();
    const gpu = await queueOf("h264_nvenc");
    const any = await queueOf("any");
    const waiting = await gpu.queue.add("convert", payload("out/gpu.mp4", "gpu"), { jobId: newJobId() });
    const anyJob = await any.queue.add("convert", payload("out/any.mp4", "cpu"));
    await anyJob.waitUntilFinished(any.events, 30_000);
    await sleep(500);
    expect(await waiting.getState()).toBe("waiting");
    expect((await gpu.queue.getJob(waiting.id as string))?.attemptsStarted ?? 0).toBe(0);
  });

  it("runs at most MAX_CONCURRENT_JOBS jobs at once across every queue it reads", async () => {
    const w = start(1);
    await w.waitUntilReady();
    const any = await queueOf("any");
    const preferred = await queueOf("gpu-preferred");
    let running = 0;
    let most = 0;
    for (const { events } of [any, preferred]) {
      events.on("active", () => {
        running += 1;
        most = Math.max(most, running);
      });
      events.on("completed", () => {
        running -= 1;
      });
    }
    const jobs = await Promise.all([
      any.queue.add("convert", payload("out/a1.mp4", "cpu")),
      preferred.queue.add("convert", payload("out/p1.mp4")),
      any.queue.add("convert", payload("out/a2.mp4", "cpu")),
      preferred.queue.add("convert", payload("out/p2.mp4")),
    ]);
    await Promise.all(jobs.map((job, i) => job.waitUntilFinished((i % 2 === 0 ? any : preferred).events, 60_000)));
    expect(most).toBe(1);
  });

  it("steps back from a gpu-preferred job while a GPU worker has a free slot, and takes it once none has", async () => {
    const gpuElsewhere: WorkerHeartbeat = {
      name: "gpu-elsewhere",
      hardware: "auto",
      concurrency: 1,
      encoders: { h264_nvenc: true },
      active_jobs: 0,
      started_at: new Date().toISOString(),
      routes: ["h264_nvenc", "gpu-preferred", "any"],
    };
    // Another worker's heartbeat, written as a worker writes it (key and index).
    const beat = (heartbeat: WorkerHeartbeat) =>
      writeWorkerHeartbeat(connection, queueName, "gpu-elsewhere", JSON.stringify(heartbeat), 60_000);
    await beat(gpuElsewhere);
    const w = start();
    await w.waitUntilReady();
    const preferred = await queueOf("gpu-preferred");
    const job = await preferred.queue.add("convert", payload("out/preferred.mp4"));
    await sleep(1500);
    expect(await job.getState()).toBe("waiting");
    // The GPU worker got busy (or went away): this worker takes the job.
    await beat({ ...gpuElsewhere, active_jobs: 1 });
    await job.waitUntilFinished(preferred.events, 30_000);
    expect((await preferred.queue.getJob(job.id as string))?.returnvalue).toMatchObject({ worker: "cpu-here" });
  });
});

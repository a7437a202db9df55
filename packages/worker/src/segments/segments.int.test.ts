import { mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import { probeStreamCounts, probeVideoFrames } from "@converter/shared/probe";
import {
  type ConvertJobData,
  ConvertJobReturn,
  decodeFailure,
  planSegments,
  segmentChildId,
  segmentOptions,
  segmentOutputPath,
  segmentRefs,
} from "@converter/shared/queue";
import { FlowProducer, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../../../../tests/support/media.js";
import { type ConversionWorker, createConversionWorker } from "../worker.js";

// A segmented job's flow (ADR 0026) on real Redis and ffmpeg, built the way
// the API's segmentedFlow builds it: the worker runs the children and joins.
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "segments-int-")));
const encoders = { libx264: true, aac: true, h264_nvenc: false, hevc_nvenc: false, av1_nvenc: false };

let queueName: string;
let connection: Redis;
let queue: Queue;
let flows: FlowProducer;
let worker: ConversionWorker;

beforeAll(async () => {
  await makeClip(path.join(mediaRoot, "in", "clip.mp4"), { seconds: 6, rate: 25, gop: 25 });
});
afterAll(() => rmSync(mediaRoot, { recursive: true, force: true }));

beforeEach(async () => {
  queueName = `segments-int-${process.pid}-${Date.now()}`;
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(queueName, { connection });
  flows = new FlowProducer({ connection });
  worker = createConversionWorker({
    connection: connection.duplicate({ maxRetriesPerRequest: null }),
    queueName,
    workerName: "segments-worker",
    mediaRoot,
    concurrency: 1,
    hardware: "cpu",
    ffmpegPath: "ffmpeg",
    ffprobePath: "ffprobe",
    encoders,
    maxStalledCount: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    stallTimeoutMs: 60_000,
    shutdownGraceMs: 0,
    log: createLogger({ name: "segments-int", level: "silent" }),
  });
  await worker.waitUntilReady();
});

afterEach(async () => {
  await worker.close();
  await flows.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

/** A segmented job of the clip in 2 s segments; `breakChild` points one video segment at a missing input. */
async function addSegmentedJob(output: string, breakChild?: number) {
  const frames = await probeVideoFrames("ffprobe", path.join(mediaRoot, "in", "clip.mp4"));
  if (!frames) throw new Error("ffprobe listed no frames");
  const options = { ...(findPreset("h264")?.options ?? ({} as never)), hardware: "cpu" as const };
  const plan = planSegments({ frames, options, length: 2, reason: "requested", audio: true });
  if (!plan) throw new Error("no plan");
  const jobId = newJobId();
  const data: ConvertJobData = {
    job_id: jobId,
    input: "in/clip.mp4",
    output,
    preset: "h264",
    options,
    overwrite: false,
    request_id: "req",
    stream_copy: "never",
    segments: plan,
  };
  const opts = { attempts: 3, backoff: { type: "fixed", delay: 10 } };
  await flows.add({
    name: "join",
    queueName,
    data,
    opts: { ...opts, jobId },
    children: segmentRefs(plan).map((ref) => ({
      name: "segment",
      queueName,
      data: {
        ...data,
        segments: undefined,
        input: ref.index === breakChild ? "in/missing.mp4" : data.input,
        output: segmentOutputPath(output, jobId, ref),
        options: segmentOptions(options, plan, ref),
        overwrite: true,
        segment: ref,
      },
      opts: { ...opts, jobId: segmentChildId(jobId, ref), failParentOnFailure: true },
    })),
  });
  return { jobId, plan };
}

const partsIn = (folder: string) =>
  readdirSync(path.join(mediaRoot, folder)).filter((name) => name.startsWith(".seg.") || name.endsWith(".partial"));

describe("a segmented job's flow (real Redis and ffmpeg)", () => {
  it("encodes the children, joins them with exactly the single pass's frames, and removes the parts", async () => {
    const { jobId, plan } = await addSegmentedJob("out/joined.mp4");
    const done = await eventually(
      async () => {
        const job = await queue.getJob(jobId);
        const state = await job?.getState();
        if (state === "failed") throw new Error(`the join failed: ${job?.failedReason}`);
        return state === "completed" ? job : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: "the join" },
    );
    const returned = ConvertJobReturn.parse(done?.returnvalue);
    expect(returned).toMatchObject({ encoder: "libx264", worker: "segments-worker" });
    expect(returned.result.duration_seconds).toBeCloseTo(6, 1);
    const counts = await probeStreamCounts("ffprobe", path.join(mediaRoot, "out", "joined.mp4"));
    expect(counts?.video?.packets).toBe(plan.expected_frames);
    expect(counts?.video?.packets).toBe(150);
    expect(counts?.audio?.start).toBe(counts?.video?.start);
    expect(partsIn("out")).toEqual([]);
  });

  it("fails the job with the child's error when a child fails for good, and leaves no part behind", async () => {
    const { jobId } = await addSegmentedJob("broken/out.mp4", 1);
    const failed = await eventually(
      async () => {
        const job = await queue.getJob(jobId);
        return (await job?.getState()) === "failed" ? job : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: "the job to fail" },
    );
    expect(failed?.failedReason).toBe(`child bull:${queueName}:${jobId}-v1 failed`);
    const child = await queue.getJob(`${jobId}-v1`);
    expect(decodeFailure(child?.failedReason).code).toBe("input_not_found");
    expect(child?.attemptsMade).toBe(1);
    // Siblings still waiting end without an encode; whatever parts were written are removed.
    await eventually(
      async () => {
        const waiting = await queue.getJobCounts("wait", "active", "prioritized");
        return Object.values(waiting).every((n) => n === 0) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: "every child to end" },
    );
    await eventually(() => (partsIn("broken").length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: "the parts to be removed",
    });
    expect(readdirSync(path.join(mediaRoot, "broken"))).toEqual([]);
  });
});

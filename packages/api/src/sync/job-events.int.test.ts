import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import { type ConvertJobData, type ConvertJobReturn, encodeFailure, type JobProgress } from "@converter/shared/queue";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../../../tests/support/media.js";
import { bullJobQueue } from "../queue/bull-job-queue.js";
import { type ConversionQueue, createConversionQueue } from "../queue/conversion-queue.js";
import { ConversionQueues } from "../queue/conversion-queues.js";
import { JobService } from "../services/job-service.js";
import { type Db, openDatabase } from "../store/db.js";
import { JobStore } from "../store/job-store.js";
import { queuedJobRow, sampleReturn } from "../test-support.js";
import { JobViews } from "../views/job-views.js";
import { JobEventsConsumer } from "./job-events-consumer.js";
import { JobStateSync } from "./job-state-sync.js";
import { MISSING_JOB_GRACE_MS, reconcileLiveJobs } from "./reconcile.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const log = createLogger({ name: "events-int", level: "silent" });

let db: Db;
let store: JobStore;
let views: JobViews;
let redis: Redis;
let queue: ConversionQueue;
let sync: JobStateSync;
let consumer: JobEventsConsumer | undefined;
let worker: Worker | undefined;

beforeEach(async () => {
  db = openDatabase(":memory:");
  store = new JobStore(db);
  views = new JobViews(db);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await new Promise((resolve) => redis.once("ready", resolve));
  queue = createConversionQueue(redis, `events-int-${process.pid}-${Date.now()}`);
  sync = new JobStateSync(queue, store, log);
});

afterEach(async () => {
  await worker?.close();
  await consumer?.close();
  worker = undefined;
  consumer = undefined;
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  db.$client.close();
});

async function startConsumer() {
  consumer = new JobEventsConsumer({
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    queue,
    store,
    sync,
    log,
  });
  await consumer.start();
}

/** A stored + enqueued job, as JobService.submit leaves it. */
async function submit(): Promise<string> {
  const id = newJobId();
  const options = findPreset("h264")?.options;
  if (!options) throw new Error("no preset");
  const data: ConvertJobData = {
    job_id: id,
    input: "in.mkv",
    output: `out/${id}.mp4`,
    preset: "h264",
    options,
    overwrite: false,
    request_id: "r",
  };
  store.insertIfOutputFree(queuedJobRow(id, { input: data.input, output: data.output, options }));
  await bullJobQueue(queue, redis).enqueue(data, 5);
  return id;
}

const progress = (percent: number): JobProgress => ({
  percent,
  fps: 10,
  speed: 1,
  eta_seconds: 1,
  encoder: "libx264",
  worker: "w",
});

/** A real BullMQ worker with a scripted processor: the unit under test is the consumer, not ffmpeg. */
function startWorker(processor: (job: Job) => Promise<ConvertJobReturn>) {
  worker = new Worker(queue.name, processor, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }) });
  return worker.waitUntilReady();
}

/** A reconciliation run as if every job were older than the grace for missing jobs. */
const reconcilePastGrace = () =>
  reconcileLiveJobs({
    store,
    queues: ConversionQueues.single(queue),
    jobQueue: bullJobQueue(queue, redis),
    syncFor: () => sync,
    log,
    now: () => Date.now() + MISSING_JOB_GRACE_MS + 1000,
  });

const settled = (id: string) =>
  eventually(
    () => {
      const job = views.get(id);
      return job && ["completed", "failed", "cancelled"].includes(job.status) ? job : undefined;
    },
    { what: `job ${id} to finish` },
  );

describe("queue events → SQLite (real Redis)", () => {
  it("records start, progress, logs and the result", async () => {
    await startConsumer();
    const id = await submit();
    let sawInProgress = false;
    await startWorker(async (job) => {
      await job.log("ffmpeg -i file:in.mkv out.mp4");
      await job.updateProgress(progress(40));
      await eventually(() => (views.get(id)?.progress === 40 ? true : undefined), { what: "progress 40" });
      sawInProgress = views.get(id)?.status === "in_progress";
      return sampleReturn;
    });
    const job = await settled(id);
    expect(sawInProgress).toBe(true);
    expect(job).toMatchObject({
      status: "completed",
      progress: 100,
      attempts: 1,
      encoder: "libx264",
      worker: "w",
      result: sampleReturn.result,
    });
    expect(job.started_at).not.toBeNull();
    expect(job.finished_at).not.toBeNull();
    expect(views.logs(id)).toEqual(["ffmpeg -i file:in.mkv out.mp4"]);
  });

  it("records a permanent failure with its code after one attempt", async () => {
    await startConsumer();
    const id = await submit();
    await startWorker(async () => {
      throw new UnrecoverableError(encodeFailure({ code: "invalid_media", message: "no streams" }));
    });
    expect(await settled(id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "invalid_media", message: "no streams" },
    });
  });

  it("does not record a failure that will be retried, and records the retry's success", async () => {
    await startConsumer();
    const id = await submit();
    await startWorker(async (job) => {
      if (job.attemptsMade === 0) throw new Error(encodeFailure({ code: "worker_error", message: "transient" }));
      return sampleReturn;
    });
    const job = await eventually(() => (views.get(id)?.status === "completed" ? views.get(id) : undefined), {
      timeoutMs: 30_000,
      what: "retry to complete",
    });
    expect(job).toMatchObject({ status: "completed", attempts: 2, error: null });
  });

  it("records a completion while the API's command connection to Redis is down", async () => {
    await startConsumer();
    const id = await submit();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await startWorker(async () => {
      await gate;
      return sampleReturn;
    });
    await eventually(() => (views.get(id)?.status === "in_progress" ? true : undefined), { what: "job to start" });
    redis.disconnect(); // the events connection stays up; reads of the job fail meanwhile
    release();
    const job = await settled(id);
    expect(job).toMatchObject({ status: "completed", result: sampleReturn.result });
    await redis.connect();
  });

  it("marks a job an operator removed from the queue as cancelled", async () => {
    await startConsumer();
    const id = await submit();
    await queue.remove(id);
    expect(await settled(id)).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
  });
});

describe("reconciliation at start (real Redis)", () => {
  it("catches up on jobs that finished while the API was away", async () => {
    const done = await submit();
    const broken = await submit();
    await startWorker(async (job) => {
      if (job.id === broken) throw new UnrecoverableError(encodeFailure({ code: "ffmpeg_failed", message: "exit 1" }));
      return sampleReturn;
    });
    await eventually(async () =>
      (await queue.getJobCounts("completed", "failed")).completed === 1 ? true : undefined,
    );
    await eventually(async () => ((await queue.getJobCounts("failed")).failed === 1 ? true : undefined));
    expect(views.get(done)?.status).toBe("queued"); // no consumer ran: SQLite is stale

    const report = await reconcileLiveJobs({
      store,
      queues: ConversionQueues.single(queue),
      jobQueue: bullJobQueue(queue, redis),
      syncFor: () => sync,
      log,
    });
    expect(report).toMatchObject({ checked: 2, reEnqueued: 0, updated: { completed: 1, failed: 1 } });
    expect(views.get(done)).toMatchObject({ status: "completed", result: sampleReturn.result });
    expect(views.get(broken)).toMatchObject({ status: "failed", error: { code: "ffmpeg_failed" } });
  });

  it("leaves jobs that wait on the queue as they are, and announces none of them", async () => {
    const announced: string[] = [];
    store = new JobStore(db, { jobChanged: (id) => announced.push(id) });
    sync = new JobStateSync(queue, store, log);
    const done = await submit();
    await startWorker(async () => sampleReturn);
    await eventually(async () => ((await queue.getJobCounts("completed")).completed === 1 ? true : undefined));
    await worker?.close();
    worker = undefined;
    const waiting = [await submit(), await submit(), await submit()];
    expect(views.get(done)?.status).toBe("queued"); // no consumer ran: SQLite is stale

    const report = await reconcilePastGrace();
    expect(report).toMatchObject({ checked: 4, waiting: 3, reEnqueued: 0, updated: { completed: 1 } });
    expect(announced).toEqual([done]);
    for (const id of waiting) expect(views.get(id)?.status).toBe("queued");
  });

  it("reads the ids of waiting jobs page by page, across pages", async () => {
    const ids = [await submit(), await submit(), await submit(), await submit(), await submit()];
    expect([...(await ConversionQueues.single(queue).waitingIds(2))].sort()).toEqual([...ids].sort());
  });

  it("enqueues again a job Redis lost, so it is not left queued forever", async () => {
    const id = await submit();
    await queue.obliterate({ force: true }); // Redis lost everything (no persistence, a restore, a flush)
    const young = await reconcileLiveJobs({
      store,
      queues: ConversionQueues.single(queue),
      jobQueue: bullJobQueue(queue, redis),
      syncFor: () => sync,
      log,
    });
    expect(young.reEnqueued).toBe(0); // it may still be on its way in: never enqueue twice
    const report = await reconcilePastGrace();
    expect(report.reEnqueued).toBe(1);
    const job = await queue.getJob(id);
    expect(job?.data).toMatchObject({ job_id: id, output: `out/${id}.mp4` });
    expect(views.get(id)?.status).toBe("queued");
  });
});

describe("cancel and retry through the real queue", () => {
  let mediaRoot: string;
  let jobs: JobService;
  beforeEach(() => {
    mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "control-int-")));
    jobs = new JobService({
      db,
      queue: bullJobQueue(queue, redis),
      mediaRoot,
      maxQueuedJobs: 100,
      cancelWaitMs: 5000,
    });
  });
  afterEach(() => rmSync(mediaRoot, { recursive: true, force: true }));

  it("answers a submission with the job as accepted (queued), even when a worker took it before enqueue returned", async () => {
    mkdirSync(path.join(mediaRoot, "in"));
    writeFileSync(path.join(mediaRoot, "in", "a.mkv"), "not probed at submission");
    const real = bullJobQueue(queue, redis);
    // The race a CI run caught: a worker claims the job and the consumer records it within enqueue's round trip.
    const takenAtOnce = {
      ...real,
      async enqueue(data: ConvertJobData, priority: number) {
        await real.enqueue(data, priority);
        store.markActive(data.job_id, new Date().toISOString(), 1);
      },
    };
    jobs = new JobService({ db, queue: takenAtOnce, mediaRoot, maxQueuedJobs: 100, cancelWaitMs: 5000 });
    const { job: accepted } = await jobs.submitOnce({ input: "in/a.mkv", output: "out/a.mp4", preset: "h264" }, "r");
    expect(accepted.status).toBe("queued");
    expect(views.get(accepted.job_id)?.status).toBe("in_progress");
  });

  it("cancels a waiting job: removed from BullMQ, recorded as the client's cancel", async () => {
    await startConsumer();
    const id = await submit();
    const job = await jobs.cancel(id);
    expect(job).toMatchObject({ status: "cancelled", error: { message: "the job was cancelled by a client request" } });
    expect(await queue.getJob(id)).toBeUndefined();
    expect(await redis.exists(`converter:${queue.name}:cancel:${id}`)).toBe(1);
    await consumer?.drain();
    expect(views.get(id)?.error?.message).toBe("the job was cancelled by a client request");
  });

  it("never removes a job BullMQ finished before the API recorded it: 409, and the record catches up", async () => {
    const id = await submit();
    await startWorker(async () => sampleReturn);
    await eventually(async () => ((await (await queue.getJob(id))?.getState()) === "completed" ? true : undefined));
    // No events consumer ran: the API still thinks the job is queued.
    jobs = new JobService({
      db,
      queue: bullJobQueue(queue, redis),
      mediaRoot,
      maxQueuedJobs: 100,
      cancelWaitMs: 200,
    });
    await expect(jobs.cancel(id)).rejects.toMatchObject({ code: "job_finished" });
    expect(await (await queue.getJob(id))?.getState()).toBe("completed");
    await reconcileLiveJobs({
      store,
      queues: ConversionQueues.single(queue),
      jobQueue: bullJobQueue(queue, redis),
      syncFor: () => sync,
      log,
    });
    expect(views.get(id)).toMatchObject({ status: "completed", result: sampleReturn.result });
  });

  it("retries a failed job in place: same id, attempts counted on, completed by the next run", async () => {
    await startConsumer();
    const id = await submit();
    let runs = 0;
    await startWorker(async () => {
      runs += 1;
      if (runs === 1) throw new UnrecoverableError(encodeFailure({ code: "ffmpeg_failed", message: "exit 1" }));
      return sampleReturn;
    });
    expect(await settled(id)).toMatchObject({ status: "failed", attempts: 1 });

    const queued = await jobs.retry(id);
    expect(queued).toMatchObject({ status: "queued", retries: 1, error: null });
    const done = await eventually(() => (views.get(id)?.status === "completed" ? views.get(id) : undefined), {
      what: "the retried job to complete",
    });
    expect(done).toMatchObject({
      status: "completed",
      attempts: 2,
      retries: 1,
      error: null,
      result: sampleReturn.result,
    });
    expect(runs).toBe(2);
  });

  it("never enqueues again a lost job whose cancel was requested; records it cancelled", async () => {
    const id = await submit();
    store.markCancelRequested(id, new Date().toISOString());
    await queue.obliterate({ force: true });
    const report = await reconcilePastGrace();
    expect(report.reEnqueued).toBe(0);
    expect(await queue.getJob(id)).toBeUndefined();
    expect(views.get(id)).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
  });
});

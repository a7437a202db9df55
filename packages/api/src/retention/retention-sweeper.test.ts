import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { IdempotencyStore } from "../store/idempotency-store.js";
import { webhookDeliveries } from "../store/schema.js";
import { buildTestApp, postConvert, sampleReturn } from "../test-support.js";
import { type RetentionSettings, RetentionSweeper } from "./retention-sweeper.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const log = createLogger({ name: "test", level: "silent" });

function sweeper(settings: Partial<RetentionSettings>, now: Date) {
  return new RetentionSweeper({
    db: ctx.db,
    mediaRoot: ctx.mediaRoot,
    uploads: ctx.uploads,
    log,
    uploadRetentionMs: 0,
    jobRetentionMs: 0,
    outputRetentionMs: 0,
    ...settings,
    now: () => now,
  });
}

const upload = async (name: string) => {
  const res = await ctx.app.request(`/uploads?filename=${name}`, { method: "POST", body: "bytes" });
  return (await res.json()) as { upload_id: string; path: string };
};

async function endedJob(
  status: "completed" | "failed",
  finishedAt: Date,
  input = "incoming/clip.mkv",
  output?: string,
) {
  const res = await postConvert(ctx.app, { input, ...(output ? { output } : {}) });
  const job = (await res.json()) as { job_id: string; output: string };
  if (status === "completed") {
    const file = path.join(ctx.mediaRoot, job.output);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "0123456789");
    const result = { ...sampleReturn.result, output: job.output, size_bytes: 10 };
    ctx.store.markCompleted(job.job_id, { ...sampleReturn, result }, finishedAt.toISOString(), []);
  } else {
    ctx.store.markFailed(job.job_id, { code: "ffmpeg_failed", message: "x" }, finishedAt.toISOString(), []);
  }
  return job;
}

describe("RetentionSweeper", () => {
  it("removes uploads past UPLOAD_RETENTION_HOURS unless a live job reads them", async () => {
    ctx = buildTestApp();
    const old = await upload("old.mkv");
    const inUse = await upload("used.mkv");
    expect((await postConvert(ctx.app, { input: inUse.path })).status).toBe(202);
    const later = new Date(Date.now() + 25 * HOUR);
    expect(await sweeper({ uploadRetentionMs: 24 * HOUR }, later).sweepOnce()).toMatchObject({ uploads: 1 });
    expect(existsSync(path.join(ctx.mediaRoot, old.path))).toBe(false);
    expect(ctx.uploads.store.get(old.upload_id)).toBeUndefined();
    expect(existsSync(path.join(ctx.mediaRoot, inUse.path))).toBe(true);
    // Too young, or retention off: kept.
    const recent = await upload("recent.mkv");
    await sweeper({ uploadRetentionMs: 24 * HOUR }, new Date()).sweepOnce();
    await sweeper({ uploadRetentionMs: 0 }, later).sweepOnce();
    expect(ctx.uploads.store.get(recent.upload_id)).toBeDefined();
  });

  it("removes a single upload a stopped API left receiving", async () => {
    ctx = buildTestApp();
    const begun = await ctx.uploads.begin("single", "half.mkv", 100);
    writeFileSync(begun.file, "half");
    expect(await sweeper({}, new Date()).removeAbandoned()).toBe(1);
    expect(existsSync(path.dirname(begun.file))).toBe(false);
    expect(ctx.uploads.store.get(begun.row.id)).toBeUndefined();
  });

  it("prunes jobs that ended before JOB_RETENTION_DAYS, with their deliveries and keys, never a live one", async () => {
    ctx = buildTestApp();
    const now = new Date();
    const old = await endedJob("failed", new Date(now.getTime() - 31 * DAY));
    const young = await endedJob("completed", new Date(now.getTime() - 29 * DAY), "incoming/clip.mkv", "out/y.mp4");
    const live = (await (
      await postConvert(ctx.app, { input: "incoming/clip.mkv", output: "out/live.mp4" })
    ).json()) as {
      job_id: string;
    };
    ctx.db.insert(webhookDeliveries).values({ jobId: old.job_id, round: 0, status: "delivered", attempts: 1 }).run();
    new IdempotencyStore(ctx.db).remember({
      key: "k",
      requestHash: "h",
      jobId: old.job_id,
      createdAt: now.toISOString(),
    });

    expect(await sweeper({ jobRetentionMs: 30 * DAY }, now).sweepOnce()).toMatchObject({ jobs: 1 });
    expect(ctx.views.get(old.job_id)).toBeUndefined();
    expect(ctx.db.select().from(webhookDeliveries).all()).toEqual([]);
    expect(new IdempotencyStore(ctx.db).find("k", "0")).toBeUndefined();
    expect(ctx.views.get(young.job_id)).toBeDefined();
    expect(ctx.views.get(live.job_id)?.status).toBe("queued");
    // The output of a pruned job stays: only OUTPUT_RETENTION_DAYS deletes outputs.
    expect(existsSync(path.join(ctx.mediaRoot, "out/y.mp4"))).toBe(true);
  });

  it("deletes outputs only when OUTPUT_RETENTION_DAYS says so, and only the file the job wrote", async () => {
    ctx = buildTestApp();
    const now = new Date();
    const long = new Date(now.getTime() - 10 * DAY);
    const kept = await endedJob("completed", long, "incoming/clip.mkv", "out/kept.mp4");
    expect(await sweeper({}, now).sweepOnce()).toMatchObject({ outputs: 0 });
    const replaced = await endedJob("completed", long, "incoming/clip.mkv", "out/replaced.mp4");
    writeFileSync(path.join(ctx.mediaRoot, replaced.output), "someone else's longer file");

    expect(await sweeper({ outputRetentionMs: 7 * DAY }, now).sweepOnce()).toMatchObject({ outputs: 1 });
    expect(existsSync(path.join(ctx.mediaRoot, kept.output))).toBe(false);
    expect(existsSync(path.join(ctx.mediaRoot, replaced.output))).toBe(true);
    expect((await ctx.app.request(`/jobs/${kept.job_id}/output`)).status).toBe(410);
    // Each job's output is judged once.
    expect(await sweeper({ outputRetentionMs: 7 * DAY }, now).sweepOnce()).toMatchObject({ outputs: 0 });
  });
});

import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../support/media.js";
import { RedisServer } from "../support/redis-server.js";
import { Deployment, errorOf, type Job } from "./harness.js";

let deployment: Deployment | undefined;
afterEach(async () => {
  await deployment?.destroy();
  deployment = undefined;
});

describe("auth, admission and outages (real processes)", () => {
  it("401 without the API key, and 429 queue_full with Retry-After beyond MAX_QUEUED_JOBS", async () => {
    const key = "e2e-secret-key-0123456789";
    deployment = new Deployment({ API_KEY: key, MAX_QUEUED_JOBS: "2" });
    await makeClip(path.join(deployment.mediaRoot, "in.mkv"));
    await deployment.startApi(); // no worker: jobs stay queued

    expect(await errorOf(await deployment.convert({ input: "in.mkv" }))).toMatchObject({
      status: 401,
      code: "unauthorized",
    });
    expect(await errorOf(await deployment.request("/jobs", { headers: { "x-api-key": "wrong" } }))).toMatchObject({
      status: 401,
      code: "unauthorized",
    });
    const health = await deployment.request("/health");
    expect(health.status).toBe(200);
    expect(((await health.json()) as { warnings: string[] }).warnings.join()).toMatch(/no worker/);

    const auth = { "x-api-key": key };
    expect((await deployment.convert({ input: "in.mkv", output: "a.mp4" }, auth)).status).toBe(202);
    expect((await deployment.convert({ input: "in.mkv", output: "b.mp4" }, auth)).status).toBe(202);
    const full = await deployment.convert({ input: "in.mkv", output: "c.mp4" }, auth);
    expect(full.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await errorOf(full)).toMatchObject({ status: 429, code: "queue_full" });

    // The key never reaches the logs.
    expect(deployment.api?.output.join("\n")).not.toContain(key);
  });

  it("answers 503 while Redis is unreachable, accepts nothing, serves reads from SQLite, and recovers", async () => {
    const redis = await RedisServer.reserve({ appendonly: false });
    const d = new Deployment({ REDIS_URL: redis.url });
    deployment = d;
    await makeClip(path.join(d.mediaRoot, "in.mkv"));
    await d.startApi();

    const started = Date.now();
    expect(await errorOf(await d.convert({ input: "in.mkv" }))).toMatchObject({
      status: 503,
      code: "redis_unavailable",
    });
    expect(Date.now() - started).toBeLessThan(6000);
    const health = await d.request("/health");
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unavailable", redis: "unavailable" });
    const list = (await (await d.request("/jobs")).json()) as { jobs: Job[] };
    expect(list.jobs).toEqual([]);

    // Redis comes up: the refused job never runs, and new work flows without a restart.
    await redis.restart();
    try {
      const worker = await d.startWorker();
      await eventually(async () => ((await d.request("/health")).status === 200 ? true : undefined), {
        timeoutMs: 30_000,
        what: "/health to recover",
      });
      const accepted = await d.convert({ input: "in.mkv", output: "after.mp4" });
      expect(accepted.status).toBe(202);
      const { job } = await d.waitForEnd(((await accepted.json()) as Job).job_id);
      expect(job.status).toBe("completed");
      expect(existsSync(path.join(d.mediaRoot, "converted", "in.mp4"))).toBe(false);
      expect(worker.output.filter((line) => line.includes('"msg":"ffmpeg started"'))).toHaveLength(1);
    } finally {
      await redis.destroy();
    }
  });

  it("catches up on a job that finished while the API was down", async () => {
    deployment = new Deployment();
    await makeClip(path.join(deployment.mediaRoot, "in.mkv"), { width: 640, height: 360, seconds: 3 });
    await deployment.startApi();
    const res = await deployment.convert({ input: "in.mkv", output: "out.mp4" });
    const { job_id } = (await res.json()) as Job;
    await deployment.api?.stop("SIGKILL");

    const worker = await deployment.startWorker();
    await worker.waitFor('"msg":"job completed"', 60_000);

    await deployment.startApi();
    const job = await deployment.job(job_id);
    expect(job).toMatchObject({ status: "completed", progress: 100, result: { output: "out.mp4" } });
  });
});

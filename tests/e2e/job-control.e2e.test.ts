import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../support/media.js";
import { ffmpegPidsOfJob } from "../support/proc.js";
import { ServiceProcess } from "../support/processes.js";
import { Deployment, errorOf, type Job } from "./harness.js";

/**
 * Cancel, retry, priority, idempotency and the worker's own guards, over
 * HTTP against the real api and worker processes.
 */
const deployment = new Deployment();
const workers: ServiceProcess[] = [];

async function startWorker(name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const worker = await ServiceProcess.start("worker", {
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    QUEUE_NAME: deployment.queueName,
    MEDIA_ROOT: deployment.mediaRoot,
    WORKER_NAME: name,
    STALL_TIMEOUT_SECONDS: "5",
    SHUTDOWN_GRACE_SECONDS: "0",
    ...env,
  });
  workers.push(worker);
  return worker;
}

async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Job> {
  // These jobs are stopped and taken over mid-encode: a generated H.264 input would otherwise be copied in a moment.
  const res = await deployment.convert({ stream_copy: "never", ...body }, headers);
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

async function runningWithProgress(id: string): Promise<Job> {
  return eventually(
    async () => {
      const job = await deployment.job(id);
      return job.status === "in_progress" && job.progress > 0 ? job : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `job ${id} to make progress` },
  );
}

beforeAll(async () => {
  await makeClip(path.join(deployment.mediaRoot, "in", "long.mkv"), { width: 640, height: 360, seconds: 12 });
  await makeClip(path.join(deployment.mediaRoot, "in", "short.mkv"), { width: 320, height: 240, seconds: 2 });
  await deployment.startApi({ CANCEL_WAIT_SECONDS: "10" });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await deployment.destroy();
});

describe("job control over HTTP (real api and worker processes)", () => {
  it("cancels a running job: its ffmpeg is gone, nothing is left, and a retry completes it", async () => {
    const worker = await startWorker("control-1");
    const job = await submit({ input: "in/long.mkv", output: "out/cancelled.mp4", preset: "hevc" });
    await runningWithProgress(job.job_id);
    expect(ffmpegPidsOfJob(job.job_id)).toHaveLength(1);

    const asked = Date.now();
    const res = await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" });
    const tookMs = Date.now() - asked;
    console.log(`CANCEL running job: DELETE answered 200 in ${tookMs} ms`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    // The answer waited for the worker: ffmpeg is already gone.
    expect(ffmpegPidsOfJob(job.job_id)).toEqual([]);
    expect(tookMs).toBeLessThan(5000);
    expect(existsSync(path.join(deployment.mediaRoot, "out", "cancelled.mp4"))).toBe(false);
    expect(deployment.partialFiles()).toEqual([]);
    expect(await errorOf(await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" }))).toMatchObject({
      status: 409,
      code: "job_finished",
    });

    const again = await deployment.request(`/jobs/${job.job_id}/retry`, { method: "POST" });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ job_id: job.job_id, status: "queued", retries: 1 });
    const { job: done } = await deployment.waitForEnd(job.job_id, 120_000);
    expect(done).toMatchObject({ status: "completed", retries: 1, attempts: 2, error: null });
    const media = await probe(path.join(deployment.mediaRoot, "out", "cancelled.mp4"));
    expect(Number(media.format.duration)).toBeCloseTo(12, 0);
    expect(await errorOf(await deployment.request(`/jobs/${job.job_id}/retry`, { method: "POST" }))).toMatchObject({
      status: 409,
      code: "job_not_retryable",
    });
    await worker.stop();
  });

  it("never runs a cancelled queued job, and starts waiting jobs by priority", async () => {
    // One worker, one job at a time, busy while the others are submitted.
    const worker = await startWorker("control-2");
    const busy = await submit({ input: "in/long.mkv", output: "out/busy.mp4", preset: "hevc" });
    await runningWithProgress(busy.job_id);
    const low = await submit({ input: "in/short.mkv", output: "out/low.mp4", priority: 1 });
    const dropped = await submit({ input: "in/short.mkv", output: "out/dropped.mp4", priority: 10 });
    const middle = await submit({ input: "in/short.mkv", output: "out/middle.mp4", priority: 5 });
    const urgent = await submit({ input: "in/short.mkv", output: "out/urgent.mp4", priority: 10 });

    const res = await deployment.request(`/jobs/${dropped.job_id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled", started_at: null });

    await deployment.request(`/jobs/${busy.job_id}`, { method: "DELETE" });
    const ends = await Promise.all([urgent, middle, low].map((j) => deployment.waitForEnd(j.job_id, 120_000)));
    const started = ends.map(({ job }) => {
      expect(job.status).toBe("completed");
      return Date.parse(job.started_at as string);
    });
    expect(started[0]).toBeLessThan(started[1] as number);
    expect(started[1]).toBeLessThan(started[2] as number);

    const never = await deployment.job(dropped.job_id);
    expect(never).toMatchObject({ status: "cancelled", started_at: null, attempts: 0 });
    expect(existsSync(path.join(deployment.mediaRoot, "out", "dropped.mp4"))).toBe(false);
    await worker.stop();
  });

  it("creates one job for concurrent submissions with the same Idempotency-Key", async () => {
    const body = { input: "in/short.mkv", output: "out/once.mp4" };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => deployment.convert(body, { "Idempotency-Key": "e2e-once" })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as Job).job_id)));
    expect(ids.size).toBe(1);
    expect(
      await errorOf(await deployment.convert({ ...body, priority: 9 }, { "Idempotency-Key": "e2e-once" })),
    ).toMatchObject({ status: 422, code: "idempotency_mismatch" });
    const page = (await (await deployment.request("/jobs?limit=100")).json()) as { jobs: Job[] };
    expect(page.jobs.filter((j) => j.output === "out/once.mp4")).toHaveLength(1);
    await deployment.request(`/jobs/${[...ids][0]}`, { method: "DELETE" });
  });

  it("kills an ffmpeg that stops making progress and runs the job again", async () => {
    const worker = await startWorker("control-stall");
    const job = await submit({ input: "in/long.mkv", output: "out/stall.mp4" });
    await runningWithProgress(job.job_id);
    // The progress read can lag the process table by a moment either way: find the encode's ffmpeg itself.
    const pid = await eventually(() => ffmpegPidsOfJob(job.job_id)[0], {
      timeoutMs: 5000,
      intervalMs: 20,
      what: "the job's ffmpeg",
    });
    const frozenAt = Date.now();
    process.kill(pid, "SIGSTOP");
    const { job: done } = await deployment.waitForEnd(job.job_id, 150_000);
    console.log(
      `FAULT ffmpeg-stalled: submitted 1, ${done.status} 1 (attempts ${done.attempts}), lost 0, ` +
        `recovered in ${((Date.now() - frozenAt) / 1000).toFixed(1)} s with STALL_TIMEOUT_SECONDS=5`,
    );
    expect(done).toMatchObject({ status: "completed", attempts: 2 });
    expect(() => process.kill(pid, 0)).toThrow();
    expect(deployment.partialFiles()).toEqual([]);
    await worker.stop();
  });

  it("on SIGTERM, hands a job back once the grace period is over; a new worker completes it", async () => {
    const worker = await startWorker("control-term", { SHUTDOWN_GRACE_SECONDS: "1" });
    const job = await submit({ input: "in/long.mkv", output: "out/handed.mp4", preset: "hevc" });
    await runningWithProgress(job.job_id);
    const stoppedAt = Date.now();
    expect(await worker.stop("SIGTERM", 20_000)).toBe(0);
    const exitedAt = Date.now();
    expect(exitedAt - stoppedAt).toBeLessThan(10_000);
    // Its ffmpeg dies with it (PR_SET_PDEATHSIG), delivered as the kernel reaps the worker.
    await eventually(() => (ffmpegPidsOfJob(job.job_id).length === 0 ? true : undefined), {
      timeoutMs: 3000,
      what: "the worker's ffmpeg to exit with it",
    });
    expect(deployment.partialFiles()).toEqual([]);
    await eventually(async () => ((await deployment.job(job.job_id)).status === "queued" ? true : undefined), {
      what: "the job back in the queue",
    });

    await startWorker("control-term-2", { SHUTDOWN_GRACE_SECONDS: "120" });
    const { job: done } = await deployment.waitForEnd(job.job_id, 120_000);
    console.log(
      `FAULT worker-sigterm-handback: submitted 1, ${done.status} 1 (attempts ${done.attempts}), lost 0, ` +
        `worker exited ${((exitedAt - stoppedAt) / 1000).toFixed(1)} s after SIGTERM with SHUTDOWN_GRACE_SECONDS=1`,
    );
    expect(done).toMatchObject({ status: "completed", worker: "control-term-2" });
  });

  it("on SIGTERM, finishes a running job within the grace period before exiting", async () => {
    const worker = workers.at(-1) as ServiceProcess;
    const job = await submit({ input: "in/short.mkv", output: "out/finished-on-term.mp4", preset: "hevc" });
    await eventually(async () => ((await deployment.job(job.job_id)).status === "in_progress" ? true : undefined), {
      intervalMs: 20,
      what: "the job to start",
    });
    const stoppedAt = Date.now();
    expect(await worker.stop("SIGTERM", 60_000)).toBe(0);
    // The API hears of the completion through Redis a moment after the worker reported it and exited; a job
    // handed back instead would stay queued (no worker is left), and this wait would fail.
    const finished = await eventually(
      async () => {
        const view = await deployment.job(job.job_id);
        return view.status === "completed" || view.status === "failed" ? view : undefined;
      },
      { timeoutMs: 10_000, what: "the API to record how the job ended" },
    );
    console.log(
      `FAULT worker-sigterm-finish: submitted 1, ${finished.status} 1 (attempts ${finished.attempts}), lost 0, ` +
        `worker exited ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after SIGTERM, once the job was done`,
    );
    expect(finished).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("removes, when a worker starts, temporary files of jobs no longer running", async () => {
    mkdirSync(path.join(deployment.mediaRoot, "out"), { recursive: true });
    // The worker's temporary-name pattern: .<target name>.<job id>.<run>.partial
    const stale = path.join(deployment.mediaRoot, "out", `.crashed.mp4.${randomUUID()}.deadbeef.partial`);
    writeFileSync(stale, "the half-written output of a worker that died");
    // Idle for longer than any live ffmpeg may be (STALL_TIMEOUT_SECONDS + JOB_LOCK_SECONDS).
    const longAgo = new Date(Date.now() - 3600_000);
    utimesSync(stale, longAgo, longAgo);
    const worker = await startWorker("control-sweep");
    await eventually(async () => (existsSync(stale) ? undefined : true), { what: "the stale temporary file to go" });
    console.log("FAULT startup-sweep: 1 stale temporary file of a job no worker holds, removed at start");
    await worker.stop();
  });
});

import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../support/media.js";
import { commandLinesMentioning, ffmpegPidsOfJob, pidsUsing } from "../support/proc.js";
import type { ServiceProcess } from "../support/processes.js";
import { RedisServer } from "../support/redis-server.js";
import { Deployment, errorOf, type Job } from "./harness.js";

// Fault tests (issue 3): real api, worker, Redis and ffmpeg processes are
// killed or cut off mid-work. Each test checks the same three promises: every
// job that got a 202 ends completed, failed or cancelled (none lost or left
// queued / in_progress), no published output is partial, and no temporary
// `.partial` file is left under MEDIA_ROOT. One summary line per scenario
// goes to the output so the figures can be quoted.

const run = promisify(execFile);
const TERMINAL = ["completed", "failed", "cancelled"];
/** A killed worker's job is taken over within about lock + stalled check (BullMQ). */
const FAST_TAKEOVER = { JOB_LOCK_SECONDS: "4", STALLED_CHECK_SECONDS: "2" };

let deployment: Deployment | undefined;
let redis: RedisServer | undefined;
const workers: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop("SIGKILL")));
  // Whatever a failed run left behind (an orphaned ffmpeg) must not outlive the test.
  if (deployment) for (const pid of pidsUsing(deployment.dir)) killQuietly(pid);
  await deployment?.destroy();
  await redis?.destroy();
  deployment = undefined;
  redis = undefined;
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** ffmpeg decodes every frame of the file without a single error. */
async function decodesCleanly(file: string): Promise<boolean> {
  try {
    const { stderr } = await run("ffmpeg", ["-v", "error", "-nostdin", "-i", file, "-f", "null", "-"]);
    return stderr.trim() === "";
  } catch {
    return false;
  }
}

async function submit(d: Deployment, body: Record<string, unknown>): Promise<string> {
  // These faults strike mid-encode: the generated H.264 input would otherwise be copied in a moment (ADR 0022).
  const res = await d.convert({ stream_copy: "never", ...body });
  expect(res.status).toBe(202);
  return ((await res.json()) as Job).job_id;
}

/** Polls every job until all are terminal or the deadline passes; the rest are lost. */
async function settle(d: Deployment, ids: string[], timeoutMs: number): Promise<{ jobs: Job[]; lost: Job[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(ids.map((id) => d.job(id)));
    const lost = jobs.filter((job) => !TERMINAL.includes(job.status));
    if (lost.length === 0 || Date.now() > deadline) return { jobs, lost };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function summary(name: string, jobs: Job[], lost: Job[], recoveredMs: number, extra = ""): void {
  const count = (status: string) => jobs.filter((job) => job.status === status).length;
  console.log(
    `FAULT ${name}: submitted ${jobs.length}, completed ${count("completed")}, failed ${count("failed")}, ` +
      `cancelled ${count("cancelled")}, lost ${lost.length}, recovered in ${(recoveredMs / 1000).toFixed(1)} s${extra}; ` +
      `attempts ${jobs.map((job) => job.attempts).join(",")}`,
  );
}

/**
 * The promises every fault test checks: no job lost, every job completed
 * (these inputs are all good), every output whole (duration of the input,
 * decodes without error), no temporary file left.
 */
async function expectAllCompletedAndWhole(d: Deployment, jobs: Job[], lost: Job[], inputSeconds: number) {
  expect(lost.map((job) => `${job.job_id}: ${job.status}`)).toEqual([]);
  for (const job of jobs) {
    expect(job, JSON.stringify(job.error)).toMatchObject({ status: "completed", progress: 100, error: null });
    const file = path.join(d.mediaRoot, job.output);
    const duration = Number((await probe(file)).format.duration);
    expect(Math.abs(duration - inputSeconds), `${job.output} lasts ${duration} s`).toBeLessThan(0.25);
    expect(await decodesCleanly(file), `${job.output} decodes`).toBe(true);
  }
  expect(d.partialFiles()).toEqual([]);
}

/** The first job (of ids) that is running with reported progress, on the given worker if named. */
/**
 * A job running with progress (on `worker`, when named), and below
 * `maxProgress`: a fault struck at 95 % can land after the job finished.
 */
function runningJob(d: Deployment, ids: string[], worker?: string, maxProgress = 100): Promise<Job> {
  return eventually(
    async () => {
      for (const id of ids) {
        const job = await d.job(id);
        const early = job.progress > 0 && job.progress < maxProgress;
        if (job.status === "in_progress" && early && (!worker || job.worker === worker)) return job;
      }
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `a job running${worker ? ` on ${worker}` : ""} with progress` },
  );
}

/** The live ffmpeg processes writing this job's temporary file (its name holds the job id), with their command lines. */
function ffmpegOf(jobId: string): Map<number, string> {
  const all = commandLinesMentioning("ffmpeg", "-progress");
  for (const pid of all.keys()) if (!ffmpegPidsOfJob(jobId).includes(pid)) all.delete(pid);
  return all;
}

/**
 * A deployment on a private redis-server (one worker, fast takeover) with
 * three 3-second 720p jobs submitted, the first of them already encoding.
 */
async function threeJobsOnPrivateRedis(options: { appendonly: boolean }, env: Record<string, string> = {}) {
  const server = await RedisServer.start(options);
  redis = server;
  const d = new Deployment({ REDIS_URL: server.url, ...FAST_TAKEOVER, ...env });
  deployment = d;
  const seconds = 3;
  await makeClip(path.join(d.mediaRoot, "in.mkv"), { width: 1280, height: 720, seconds });
  await d.startApi();
  workers.push(await d.startWorker({ WORKER_NAME: "w-1" }));
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push(await submit(d, { input: "in.mkv", output: `out-${n}.mp4` }));
  // Early in its encode, so the job is still running when the test stops Redis.
  const running = await runningJob(d, ids, undefined, 50);
  return { d, server, ids, running, seconds };
}

describe("faults (real api, worker, Redis and ffmpeg processes)", () => {
  it("worker SIGKILL mid-encode: another worker completes the job, and the killed worker's ffmpeg dies with it", async () => {
    const d = new Deployment(FAST_TAKEOVER);
    deployment = d;
    const seconds = 4;
    await makeClip(path.join(d.mediaRoot, "in.mkv"), { width: 1280, height: 720, seconds });
    await d.startApi();
    const victimWorker = await d.startWorker({ WORKER_NAME: "w-a" });
    workers.push(victimWorker);
    workers.push(await d.startWorker({ WORKER_NAME: "w-b" }));

    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await submit(d, { input: "in.mkv", output: `out-${n}.mp4` }));
    const victim = await runningJob(d, ids, "w-a");
    const doomed = ffmpegOf(victim.job_id);
    expect(doomed.size, "the victim's ffmpeg is running").toBe(1);

    const killedAt = Date.now();
    await victimWorker.stop("SIGKILL");
    // Its ffmpeg must not run on as an orphan (burning CPU, writing a file nobody publishes).
    // By pid: every run of a job has the same command line now that files go by descriptor.
    const survivors = () => [...ffmpegOf(victim.job_id).keys()].filter((pid) => doomed.has(pid));
    await eventually(() => (survivors().length === 0 ? true : undefined), {
      timeoutMs: 3000,
      what: `the killed worker's ffmpeg to exit (still running: ${survivors().join(" | ")})`,
    });

    const recovered = await d.waitForEnd(victim.job_id, 60_000);
    const recoveredMs = Date.now() - killedAt;
    const { jobs, lost } = await settle(d, ids, 90_000);
    summary("worker-sigkill", jobs, lost, recoveredMs, ` (job ${victim.job_id} taken over by w-b)`);

    expect(recovered.job).toMatchObject({ status: "completed", worker: "w-b" });
    expect(recovered.job.attempts).toBe(2);
    expect(recoveredMs).toBeLessThan(60_000);
    await expectAllCompletedAndWhole(d, jobs, lost, seconds);
    for (const job of jobs) if (job.job_id !== victim.job_id) expect(job.attempts).toBe(1);
    expect(ffmpegOf(victim.job_id).size).toBe(0);
  });

  it("API SIGKILL and restart while jobs run: statuses catch up at start, none lost", async () => {
    const d = new Deployment();
    deployment = d;
    const seconds = 3;
    await makeClip(path.join(d.mediaRoot, "in.mkv"), { width: 1280, height: 720, seconds });
    await d.startApi();
    const worker = await d.startWorker({ WORKER_NAME: "w-1" });
    workers.push(worker);
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4]) ids.push(await submit(d, { input: "in.mkv", output: `out-${n}.mp4` }));
    const [first, second, third] = ids as [string, string, string];

    await runningJob(d, [first]);
    await d.api?.stop("SIGKILL");
    // While the API is down the first job finishes and the second starts: their events go unheard.
    const logged = (id: string, msg: string) => worker.output.some((l) => l.includes(id) && l.includes(msg));
    await eventually(
      () => (logged(first, '"msg":"job completed"') && logged(second, '"msg":"ffmpeg started"')) || undefined,
      {
        timeoutMs: 60_000,
        what: "the first job to finish and the second to start while the API is down",
      },
    );

    const restartedAt = Date.now();
    await d.startApi();
    const caughtUpMs = Date.now() - restartedAt;
    const [s1, s2, , s4] = await Promise.all(ids.map((id) => d.job(id)));
    // Finished while the API was down: completed at the first read, with its result.
    expect(s1).toMatchObject({ status: "completed", progress: 100, result: { output: "out-1.mp4" } });
    expect(["in_progress", "completed"]).toContain(s2?.status);
    expect(s4).toMatchObject({ status: "queued", progress: 0 });

    // A job that waited through the outage runs normally: progress only goes up.
    const { progressSeen } = await d.waitForEnd(third, 60_000);
    const { jobs, lost } = await settle(d, ids, 60_000);
    summary("api-sigkill", jobs, lost, caughtUpMs, " (restart to caught-up statuses)");
    await expectAllCompletedAndWhole(d, jobs, lost, seconds);
    for (const job of jobs) expect(job.attempts).toBe(1);
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));
  });

  it("Redis (AOF) stopped while a job runs and restarted: 503 meanwhile, reads work, everything resumes", async () => {
    const { d, server, ids, running, seconds } = await threeJobsOnPrivateRedis({ appendonly: true });

    await server.stop("SIGTERM");
    const downAt = Date.now();
    expect(await errorOf(await d.convert({ input: "in.mkv", output: "refused.mp4" }))).toMatchObject({
      status: 503,
      code: "redis_unavailable",
    });
    expect((await d.job(running.job_id)).status).toBe("in_progress");
    expect((await d.request("/jobs")).status).toBe(200);
    // The running encode finishes while Redis is away, and the outage outlasts
    // the job's lock: the worker cannot publish or report until Redis is back.
    await eventually(() => (ffmpegOf(running.job_id).size === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: "the running ffmpeg to finish",
    });
    await eventually(() => (Date.now() - downAt > 6000 ? true : undefined), { what: "the outage to outlast the lock" });

    await server.restart();
    const backAt = Date.now();
    const again = await d.waitForEnd(running.job_id, 60_000);
    const recoveredMs = Date.now() - backAt;
    const { jobs, lost } = await settle(d, ids, 90_000);
    summary("redis-restart-aof", jobs, lost, recoveredMs, ` (down ${((backAt - downAt) / 1000).toFixed(1)} s)`);
    expect(again.job.status).toBe("completed");
    await expectAllCompletedAndWhole(d, jobs, lost, seconds);
    await eventually(async () => ((await d.request("/health")).status === 200 ? true : undefined), {
      what: "/health to recover",
    });
    expect(existsRefused(d)).toBe(false);
  });

  it("Redis restarted EMPTY (no persistence): the API queues again what Redis lost, every job completes", async () => {
    // A lost job is queued again once past MISSING_JOB_GRACE_MS (30 s), by the
    // first reconcile pass after that: a short interval keeps the test short.
    const { d, server, ids, seconds } = await threeJobsOnPrivateRedis(
      { appendonly: false },
      { RECONCILE_INTERVAL_SECONDS: "2" },
    );

    await server.stop("SIGKILL");
    const downAt = Date.now();
    expect(await errorOf(await d.convert({ input: "in.mkv", output: "refused.mp4" }))).toMatchObject({
      status: 503,
      code: "redis_unavailable",
    });
    await server.restart();
    const backAt = Date.now();
    const { jobs, lost } = await settle(d, ids, 120_000);
    const recoveredMs = Date.now() - backAt;
    summary(
      "redis-restart-empty",
      jobs,
      lost,
      recoveredMs,
      ` (down ${((backAt - downAt) / 1000).toFixed(1)} s; all jobs done)`,
    );
    await expectAllCompletedAndWhole(d, jobs, lost, seconds);
    expect(
      d.api?.output.filter((line) => line.includes("job missing from redis: enqueued again")).length,
    ).toBeGreaterThan(0);
    expect(existsRefused(d)).toBe(false);
  });
});

function existsRefused(d: Deployment): boolean {
  return readdirSync(d.mediaRoot).includes("refused.mp4");
}

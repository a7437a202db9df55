import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFakeGpu } from "../support/fake-gpu.js";
import { eventually, makeClip } from "../support/media.js";
import { Deployment, type Job } from "./harness.js";

// A mixed fleet over real processes, real Redis and real ffmpeg: "cpu-1", a
// worker on this machine's ffmpeg (its NVENC and NVDEC tests fail, there is
// no GPU), and "gpu-1", a TEST DOUBLE OF A GPU WORKER: its FFMPEG_PATH is a
// wrapper that maps NVENC, NVDEC and scale_cuda to software
// (tests/support/fake-gpu.ts), so its start-up tests pass and it routes,
// plans and logs exactly as a GPU worker would.
const deployment = new Deployment();
const fakeGpu = writeFakeGpu(path.join(deployment.dir, "fake-gpu"));
const outcome: Record<string, Pick<Job, "worker" | "encoder"> & { pipeline: unknown; queue: unknown }> = {};

const submit = async (body: Record<string, unknown>): Promise<Job> => {
  // These jobs are about where video is encoded: a generated H.264 input would otherwise be copied (ADR 0022).
  const res = await deployment.convert({ stream_copy: "never", ...body });
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
};
const finished = async (name: string, id: string): Promise<Job> => {
  const { job } = await deployment.waitForEnd(id, 120_000);
  outcome[name] = { worker: job.worker, encoder: job.encoder, pipeline: job.pipeline, queue: job.queue };
  return job;
};
const startGpuWorker = () =>
  deployment.startWorker({
    WORKER_NAME: "gpu-1",
    FFMPEG_PATH: fakeGpu.ffmpegPath,
    PATH: `${fakeGpu.binDir}:${process.env.PATH ?? ""}`,
  });

beforeAll(async () => {
  const media = (name: string) => path.join(deployment.mediaRoot, "in", name);
  await Promise.all([
    makeClip(media("clip.mkv"), { width: 640, height: 360, seconds: 2 }),
    makeClip(media("long.mkv"), { width: 1280, height: 720, seconds: 8 }),
    makeClip(media("ten.mkv"), { width: 320, height: 240, seconds: 1, pixFmt: "yuv422p10le" }),
  ]);
  await deployment.startApi();
  await deployment.startWorker({ WORKER_NAME: "cpu-1" });
});
afterAll(async () => {
  console.info(`mixed-fleet outcome (gpu-1 is a test double of a GPU):\n${JSON.stringify(outcome, null, 2)}`);
  await deployment.destroy();
});

describe("a mixed fleet: a CPU worker and a test double of a GPU worker (FFMPEG_PATH maps NVENC/NVDEC to software)", () => {
  it("keeps a hardware=gpu job waiting, with the reason on the job and in /health, until a worker that proved NVENC starts", async () => {
    const job = await submit({ input: "in/clip.mkv", output: "out/gpu.mp4", options: { hardware: "gpu" } });
    expect(job.queue).toBe(`${deployment.queueName}-h264_nvenc`);
    const waiting = await eventually(
      async () => {
        const current = await deployment.job(job.job_id);
        return String(current.waiting_reason).startsWith("no live worker can run this job") ? current : undefined;
      },
      { timeoutMs: 15_000, what: "the waiting reason" },
    );
    expect(waiting.waiting_reason).toContain("h264_nvenc encoder passed its start-up test encode");
    const health = (await (await deployment.request("/health")).json()) as {
      warnings: string[];
      queues: { name: string; waiting: number; workers: number }[];
    };
    expect(health.queues).toContainEqual(
      expect.objectContaining({ name: `${deployment.queueName}-h264_nvenc`, waiting: 1, workers: 0 }),
    );
    expect(health.warnings.some((w) => w.includes(`wait in ${deployment.queueName}-h264_nvenc`))).toBe(true);
    await sleep(2000);
    expect(await deployment.job(job.job_id)).toMatchObject({ status: "queued", attempts: 0, error: null });

    await startGpuWorker();
    const done = await finished("gpu job", job.job_id);
    expect(done).toMatchObject({ status: "completed", worker: "gpu-1", encoder: "h264_nvenc", waiting_reason: null });
    expect(done.pipeline).toEqual({ decode: "nvdec", scale: null, encode: "nvenc", note: null });
    const logs = (await (await deployment.request(`/jobs/${job.job_id}/logs`)).json()) as { logs: string[] };
    expect(logs.logs[0]).toMatch(/-hwaccel cuda -hwaccel_output_format cuda -i .* -c:v h264_nvenc .*scale_cuda/);
  });

  it("gives an auto job to the idle GPU worker, and the next one to the CPU worker while the GPU is busy", async () => {
    await sleep(2500); // both workers have seen gpu-1 idle again
    const first = await submit({ input: "in/long.mkv", output: "out/long.mp4", preset: "h264-720p" });
    expect(first.queue).toBe(`${deployment.queueName}-gpu-preferred`);
    await eventually(async () => ((await deployment.job(first.job_id)).status === "in_progress" ? true : undefined), {
      timeoutMs: 20_000,
      what: "the first auto job to start",
    });
    const second = await submit({ input: "in/clip.mkv", output: "out/second.mp4", preset: "h264-720p" });
    const [a, b] = await Promise.all([finished("auto job 1", first.job_id), finished("auto job 2", second.job_id)]);
    expect(a).toMatchObject({ worker: "gpu-1", encoder: "h264_nvenc" });
    expect(a.pipeline).toEqual({ decode: "nvdec", scale: "scale_cuda", encode: "nvenc", note: null });
    expect(b).toMatchObject({ worker: "cpu-1", encoder: "libx264" });
    expect(b.pipeline).toEqual({ decode: "cpu", scale: "cpu", encode: "cpu", note: null });
  });

  it("decodes a 10-bit 4:2:2 input on the CPU on the GPU worker and says why on the job", async () => {
    const job = await submit({ input: "in/ten.mkv", output: "out/ten.mp4", options: { hardware: "gpu" } });
    const done = await finished("10-bit 4:2:2", job.job_id);
    expect(done).toMatchObject({ status: "completed", worker: "gpu-1", encoder: "h264_nvenc" });
    expect(done.pipeline).toEqual({
      decode: "cpu",
      scale: null,
      encode: "nvenc",
      note: "NVDEC does not decode h264 High 4:2:2 (yuv422p10le): decoded on the CPU",
    });
  });

  it("cancels and retries a job waiting in a queue no live worker serves", async () => {
    const job = await submit({
      input: "in/clip.mkv",
      output: "out/av1.mkv",
      options: { video_codec: "av1", hardware: "gpu" },
    });
    expect(job.queue).toBe(`${deployment.queueName}-av1_nvenc`);
    const cancelled = await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" });
    expect(((await cancelled.json()) as Job).status).toBe("cancelled");
    const retried = await deployment.request(`/jobs/${job.job_id}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as Job).status).toBe("queued");
    const again = await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE" });
    expect(((await again.json()) as Job).status).toBe("cancelled");
  });

  it("lists both workers in /workers and counts them by capability in /metrics", async () => {
    const body = (await (await deployment.request("/workers")).json()) as { workers: Record<string, unknown>[] };
    const byName = Object.fromEntries(body.workers.map((w) => [w.name, w]));
    expect(byName["gpu-1"]).toMatchObject({
      concurrency: 1,
      encoders: { h264_nvenc: true },
      decoders: { h264_nvdec: true },
      routes: expect.arrayContaining(["h264_nvenc", "gpu-preferred", "any"]),
      gpu: { model: "Test double of a GPU (software ffmpeg)", driver: "0.0", count: 1 },
    });
    expect(byName["cpu-1"]).toMatchObject({
      encoders: { h264_nvenc: false },
      routes: ["gpu-preferred", "any"],
      gpu: null,
    });
    expect(byName["cpu-1"]?.heartbeat_at).toEqual(expect.any(String));

    const metrics = await (await deployment.request("/metrics")).text();
    expect(metrics).toContain("converter_redis_up 1");
    expect(metrics).toContain(`converter_queue_jobs{queue="${deployment.queueName}-h264_nvenc",state="waiting"} 0`);
    expect(metrics).toContain('converter_workers_live{capability="any"} 2');
    expect(metrics).toContain('converter_workers_live{capability="h264_nvenc"} 1');
    expect(metrics).toContain('converter_route_workers_live{route="h264_nvenc"} 1');
    expect(metrics).toMatch(/converter_job_duration_seconds_count\{encoder="h264_nvenc",preset="h264"\} [1-9]/);
    expect(metrics).toMatch(/converter_worker_jobs_completed_total\{worker="gpu-1"\} [1-9]/);
    console.info(`/metrics, first lines:\n${metrics.split("\n").slice(0, 24).join("\n")}`);
  });
});

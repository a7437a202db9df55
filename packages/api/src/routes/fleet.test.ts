import type { WorkerHeartbeat } from "@converter/shared/queue";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert, sampleReturn } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const KEY = "k".repeat(32);

const beat = (name: string, extra: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat => ({
  name,
  hardware: "auto",
  concurrency: 1,
  encoders: { libx264: true, h264_nvenc: false },
  active_jobs: 0,
  started_at: "2026-11-27T08:00:00.000Z",
  host: "node-a",
  version: "0.1.0",
  routes: ["gpu-preferred", "any"],
  decoders: {},
  gpu: null,
  running_jobs: [],
  counters: {
    jobs_started: 3,
    jobs_completed: 2,
    jobs_failed: 1,
    gpu_decode_fallbacks: 0,
    nvenc_session_refusals: 0,
    ffmpeg_seconds: 12.5,
  },
  heartbeat_at: "2026-11-27T08:00:10.000Z",
  ...extra,
});

const gpuBeat = beat("gpu-1", {
  encoders: { libx264: true, h264_nvenc: true },
  decoders: { h264_nvdec: true, hevc_nvdec: true },
  routes: ["h264_nvenc", "gpu-preferred", "any"],
  gpu: { model: "NVIDIA L4", driver: "550.54.15", count: 1 },
});

async function submit(body: unknown): Promise<Record<string, unknown>> {
  const res = await postConvert(ctx.app, body);
  expect(res.status).toBe(202);
  return (await res.json()) as Record<string, unknown>;
}

describe("routing in the job view", () => {
  it("names the job's queue from what it needs, and why it waits when no live worker can run it", async () => {
    ctx = buildTestApp({ workers: [beat("cpu-1")] });
    const gpu = await submit({ input: "incoming/clip.mkv", options: { hardware: "gpu" } });
    expect(gpu).toMatchObject({
      status: "queued",
      queue: "conversions-h264_nvenc",
      waiting_reason: expect.stringMatching(/^no live worker can run this job: it needs a worker whose h264_nvenc/),
      pipeline: null,
    });
    const auto = await submit({ input: "incoming/clip.mkv", output: "b.mp4" });
    expect(auto).toMatchObject({ queue: "conversions-gpu-preferred", waiting_reason: null });
    const cpu = await submit({ input: "incoming/clip.mkv", output: "c.mp4", options: { hardware: "cpu" } });
    expect(cpu).toMatchObject({ queue: "conversions", waiting_reason: null });
    expect(ctx.queue.added.map((a) => a.data.options.hardware)).toEqual(["gpu", "auto", "cpu"]);
  });

  it("says every capable worker is busy, and nothing once the job runs", async () => {
    ctx = buildTestApp({ workers: [{ ...gpuBeat, active_jobs: 1, running_jobs: ["x"] }] });
    const job = await submit({ input: "incoming/clip.mkv", options: { hardware: "gpu" } });
    expect(job.waiting_reason).toBe(
      "every live worker that can run this job is busy (1 worker); it starts when one has a free slot",
    );
    const pipeline = { decode: "nvdec", scale: null, encode: "nvenc", note: null } as const;
    ctx.store.updateProgress(job.job_id as string, {
      percent: 10,
      fps: 1,
      speed: 1,
      eta_seconds: 1,
      encoder: "h264_nvenc",
      worker: "gpu-1",
      pipeline,
    });
    expect(ctx.views.get(job.job_id as string)).toMatchObject({
      status: "in_progress",
      waiting_reason: null,
      pipeline,
    });
  });
});

describe("GET /workers", () => {
  it("lists every live worker with its capabilities, load, GPU and last heartbeat", async () => {
    ctx = buildTestApp({ workers: [beat("cpu-1"), gpuBeat] });
    const res = await ctx.app.request("/workers");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { workers: WorkerHeartbeat[] };
    expect(body.workers.map((w) => w.name)).toEqual(["cpu-1", "gpu-1"]);
    expect(body.workers[1]).toMatchObject({
      host: "node-a",
      version: "0.1.0",
      concurrency: 1,
      running_jobs: [],
      encoders: { h264_nvenc: true },
      decoders: { h264_nvdec: true },
      gpu: { model: "NVIDIA L4", driver: "550.54.15" },
      heartbeat_at: "2026-11-27T08:00:10.000Z",
    });
  });

  it("needs the API key when one is set", async () => {
    ctx = buildTestApp({ apiKey: KEY, workers: [] });
    await expectError(await ctx.app.request("/workers"), 401, "unauthorized");
    expect((await ctx.app.request("/workers", { headers: { "x-api-key": KEY } })).status).toBe(200);
  });
});

describe("GET /metrics", () => {
  it("shows jobs, workers by capability, their own totals, job histograms and HTTP timings in Prometheus text", async () => {
    ctx = buildTestApp({ workers: [beat("cpu-1"), gpuBeat] });
    const job = await submit({ input: "incoming/clip.mkv", preset: "h264-720p" });
    const id = job.job_id as string;
    ctx.store.markActive(id, "2026-11-27T08:00:00.000Z", 1);
    ctx.store.markCompleted(
      id,
      { ...sampleReturn, result: { ...sampleReturn.result, duration_seconds: 20 } },
      "2026-11-27T08:00:10.000Z",
      [],
    );
    await ctx.metrics.jobs.jobFinished(id);
    await ctx.metrics.jobs.jobFinished(id); // the reconciler may tell twice: counted once
    const res = await ctx.app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('converter_jobs{status="completed"} 1');
    // Every status, 0 when none: a dashboard's series does not vanish when the queue empties.
    expect(text).toContain('converter_jobs{status="queued"} 0');
    expect(text).toContain('converter_workers_live{capability="any"} 2');
    expect(text).toContain('converter_workers_live{capability="h264_nvenc"} 1');
    expect(text).toContain('converter_workers_live{capability="h264_nvdec"} 1');
    expect(text).toContain('converter_route_workers_live{route="h264_nvenc"} 1');
    expect(text).toContain('converter_worker_jobs_completed_total{worker="cpu-1"} 2');
    expect(text).toContain('converter_job_duration_seconds_count{encoder="libx264",preset="h264-720p"} 1');
    expect(text).toContain('converter_job_encode_speed_ratio_bucket{le="2",encoder="libx264",preset="h264-720p"} 1');
    expect(text).toMatch(
      /converter_http_request_duration_seconds_count\{method="POST",route="\/convert",status="202"\} 1/,
    );
  });

  it("needs the API key unless METRICS_PUBLIC is true", async () => {
    ctx = buildTestApp({ apiKey: KEY });
    await expectError(await ctx.app.request("/metrics"), 401, "unauthorized");
    expect((await ctx.app.request("/metrics", { headers: { "x-api-key": KEY } })).status).toBe(200);
    ctx.cleanup();
    ctx = buildTestApp({ apiKey: KEY, metricsPublic: true });
    expect((await ctx.app.request("/metrics")).status).toBe(200);
    await expectError(await ctx.app.request("/workers"), 401, "unauthorized");
  });
});

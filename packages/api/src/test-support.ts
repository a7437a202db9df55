import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ErrorBody } from "@converter/shared/errors";
import { createLogger, type Logger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import type { ConvertJobData, ConvertJobReturn, JobRoute, WorkerHeartbeat } from "@converter/shared/queue";
import { createApp } from "./app.js";
import type { AppDeps } from "./deps.js";
import { OutputFiles } from "./downloads/output-files.js";
import { JobEventLog } from "./events/job-event-log.js";
import { FolderListing } from "./files/list-folder.js";
import { waitingReasonFor } from "./fleet/waiting-reason.js";
import { createApiMetrics } from "./metrics/api-metrics.js";
import type { JobQueue, RemoveOutcome } from "./queue/conversion-queue.js";
import type { Health } from "./services/health-service.js";
import { JobService } from "./services/job-service.js";
import { ProbeService } from "./services/probe-service.js";
import { openDatabase } from "./store/db.js";
import { JobStore } from "./store/job-store.js";
import type { NewJobRow } from "./store/schema.js";
import { createTusUploads } from "./uploads/tus-uploads.js";
import { UploadService } from "./uploads/upload-service.js";
import { JobViews } from "./views/job-views.js";
import type { WebhookNotifier } from "./webhooks/webhook-dispatcher.js";
import type { WebhookUrlCheck } from "./webhooks/webhook-url-check.js";

/**
 * A queued job's row as a submission writes it (preset h264), for tests that
 * insert rows with the store directly; `over` sets what a test cares about.
 */
export function queuedJobRow(id: string, over: Partial<NewJobRow> = {}): NewJobRow {
  return {
    id,
    status: "queued",
    input: "in.mkv",
    output: `out/${id}.mp4`,
    preset: "h264",
    options: findPreset("h264")?.options,
    overwrite: false,
    priority: 5,
    requestId: "r",
    createdAt: new Date().toISOString(),
    ...over,
  };
}

/**
 * A queue double for tests whose unit is not the queue: records what was
 * enqueued and cancelled. A job is "waiting" once added unless a test marks
 * it `active` (a worker holds it) or `finished`.
 */
export class RecordingQueue implements JobQueue {
  readonly added: { data: ConvertJobData; priority: number }[] = [];
  readonly cancelMarkers = new Set<string>();
  readonly states = new Map<string, "waiting" | "active" | "finished">();
  failWith: Error | undefined;

  async enqueue(data: ConvertJobData, priority: number): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.added.push({ data, priority });
    this.states.set(data.job_id, "waiting");
  }

  async requestCancel(jobId: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.cancelMarkers.add(jobId);
  }

  async removeUnlessActive(jobId: string): Promise<RemoveOutcome> {
    if (this.failWith) throw this.failWith;
    const state = this.states.get(jobId);
    if (state === "active" || state === "finished") return state;
    if (state === undefined) return "missing";
    this.states.delete(jobId);
    return "removed";
  }

  async requeue(data: ConvertJobData, priority: number): Promise<"queued" | "active"> {
    if (this.failWith) throw this.failWith;
    if (this.states.get(data.job_id) === "active") return "active";
    this.cancelMarkers.delete(data.job_id);
    await this.enqueue(data, priority);
    return "queued";
  }
}

/** A worker's return value, for tests of what the API does with one. */
export const sampleReturn: ConvertJobReturn = {
  result: {
    output: "o.mp4",
    size_bytes: 10,
    duration_seconds: 1,
    video_codec: "h264",
    audio_codec: "aac",
    width: 2,
    height: 2,
  },
  encoder: "libx264",
  worker: "w",
};

/** A worker's progress report at `percent`, for tests that move a job along. */
export const sampleProgress = (percent: number) => ({
  percent,
  fps: 30,
  speed: 2,
  eta_seconds: 3,
  encoder: "libx264",
  worker: "w1",
});

/** Sends raw bytes to a local port; resolves with everything the server wrote before it closed the socket. */
export function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(bytes);
  });
}

export const healthyReport: Health = {
  status: "ok",
  version: "test",
  ffmpeg: { version: "test" },
  redis: "ok",
  database: "ok",
  queue: { waiting: 0, active: 0 },
  queues: [],
  workers: [],
  problems: [],
  warnings: [],
};

/** An app over an in-memory database and a fresh media root; nothing is shared between tests. */
export function buildTestApp(
  options: {
    apiKey?: string;
    maxQueuedJobs?: number;
    maxBodyBytes?: number;
    cancelWaitMs?: number;
    now?: () => Date;
    checkWebhookUrl?: WebhookUrlCheck;
    webhooks?: WebhookNotifier;
    maxInputBytes?: number;
    maxUploadBytes?: number;
    uploadMinFreeBytes?: number;
    host?: string;
    allowedHosts?: string[] | "*";
    /** The live workers GET /workers, /metrics and the job view's waiting_reason see. */
    workers?: WorkerHeartbeat[];
    metricsPublic?: boolean;
    sseHeartbeatMs?: number;
    /** Where the app logs; silent when left out. */
    log?: Logger;
  } = {},
) {
  const mediaRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "api-test-")));
  mkdirSync(path.join(mediaRoot, "incoming"));
  writeFileSync(path.join(mediaRoot, "incoming", "clip.mkv"), "not really a video; the API does not decode");
  const db = openDatabase(":memory:");
  const workers = options.workers;
  const routing = {
    queueName: "conversions",
    ...(workers ? { waitingReason: (route: JobRoute) => waitingReasonFor(route, workers) } : {}),
  };
  const views = new JobViews(db, routing);
  const events = new JobEventLog((id) => views.get(id));
  const store = new JobStore(db, events);
  const queue = new RecordingQueue();
  let health: Health = healthyReport;
  const log = options.log ?? createLogger({ name: "test", level: "silent" });
  const uploads = new UploadService({
    db,
    mediaRoot,
    maxUploadBytes: options.maxUploadBytes ?? 1024 * 1024,
    minFreeBytes: options.uploadMinFreeBytes ?? 0,
    log,
  });
  mkdirSync(uploads.root);
  const metrics = createApiMetrics({ db, workers: () => workers, readJob: (id) => views.get(id) });
  const deps: AppDeps = {
    config: {
      apiKey: options.apiKey,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
      host: options.host ?? "127.0.0.1",
      allowedHosts: options.allowedHosts ?? [],
      metricsPublic: options.metricsPublic ?? false,
      ...(options.sseHeartbeatMs ? { sseHeartbeatMs: options.sseHeartbeatMs } : {}),
    },
    version: "test",
    log,
    jobs: new JobService({
      db,
      queue,
      mediaRoot,
      maxQueuedJobs: options.maxQueuedJobs ?? 1000,
      cancelWaitMs: options.cancelWaitMs ?? 300,
      ...(options.now ? { now: options.now } : {}),
      checkWebhookUrl: options.checkWebhookUrl,
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
      maxInputBytes: options.maxInputBytes,
      routing,
      changes: events,
    }),
    health: { check: async () => health },
    uploads,
    tus: createTusUploads(uploads, log),
    outputs: new OutputFiles(db, mediaRoot),
    folders: new FolderListing(mediaRoot),
    probe: new ProbeService({ mediaRoot, ffprobePath: "ffprobe" }),
    ...(workers ? { fleet: { read: async () => workers } } : {}),
    metrics,
    events,
  };
  return {
    app: createApp(deps),
    /** What the app was built from: for the hot-read lane (hot-reads/), which serves beside it. */
    deps,
    /** Writes, as the events consumer would make them. */
    store,
    /** Reads, as a client sees jobs. */
    views,
    metrics,
    events,
    queue,
    mediaRoot,
    uploads,
    db,
    setHealth: (next: Health) => {
      health = next;
    },
    cleanup: () => {
      db.$client.close();
      rmSync(mediaRoot, { recursive: true, force: true });
    },
  };
}

/** POST /convert through the app in process; a string body is sent as it is. */
export function postConvert(
  app: ReturnType<typeof createApp>,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> | Response {
  return app.request("/convert", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Asserts an answer in the contract's error shape with this status and code; returns its body. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  // Imported here, not at the top: scripts/dump-openapi.ts builds the app from this file outside vitest.
  const { expect } = await import("vitest");
  expect(res.status).toBe(status);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

/**
 * The OpenAPI document as a deployment with API_KEY set serves it, every
 * optional route (events, tus) mounted: what the client is generated from and
 * `redocly lint` checks.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const ctx = buildTestApp({ apiKey: "k".repeat(32) });
  try {
    return (await (await ctx.app.request("/openapi.json")).json()) as Record<string, unknown>;
  } finally {
    ctx.cleanup();
  }
}

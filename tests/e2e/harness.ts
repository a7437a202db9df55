import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eventually } from "../support/media.js";
import { freePort, ServiceProcess, type ServiceStartOptions } from "../support/processes.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export type Job = {
  job_id: string;
  status: string;
  progress: number;
  output: string;
  encoder: string | null;
  worker: string | null;
  attempts: number;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
  [key: string]: unknown;
};

/**
 * One isolated deployment for a test file: its own media root, database,
 * queue name and port, with the real api (and optionally worker) processes.
 */
export class Deployment {
  readonly dir = realpathSync(mkdtempSync(path.join(tmpdir(), "e2e-")));
  readonly mediaRoot = path.join(this.dir, "media");
  readonly queueName = `e2e-${process.pid}-${Date.now()}`;
  api: ServiceProcess | undefined;
  /** The worker started last. */
  worker: ServiceProcess | undefined;
  /** Every worker started, for a fleet of several. */
  readonly workers: ServiceProcess[] = [];
  port = 0;

  constructor(readonly env: Record<string, string> = {}) {
    mkdirSync(this.mediaRoot, { recursive: true });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private commonEnv(): Record<string, string> {
    return { REDIS_URL, QUEUE_NAME: this.queueName, MEDIA_ROOT: this.mediaRoot, ...this.env };
  }

  async startApi(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    if (!this.port) this.port = await freePort();
    this.api = await ServiceProcess.start("api", {
      ...this.commonEnv(),
      PORT: String(this.port),
      DATABASE_PATH: path.join(this.dir, "jobs.db"),
      ...extra,
    });
    return this.api;
  }

  /** A worker on this deployment's queue and media root; options.commandPrefix runs it elsewhere (another network namespace). */
  async startWorker(extra: Record<string, string> = {}, options: ServiceStartOptions = {}): Promise<ServiceProcess> {
    this.worker = await ServiceProcess.start(
      "worker",
      { ...this.commonEnv(), WORKER_NAME: "e2e-worker", ...extra },
      options,
    );
    this.workers.push(this.worker);
    return this.worker;
  }

  async stop(): Promise<void> {
    const workers = [...new Set([this.worker, ...this.workers])];
    await Promise.all([...workers.map((worker) => worker?.stop()), this.api?.stop()]);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Temporary outputs (`*.partial`) anywhere under the media root, relative to it: a clean run leaves none. */
  partialFiles(): string[] {
    return readdirSync(this.mediaRoot, { recursive: true, encoding: "utf8" }).filter((name) =>
      name.endsWith(".partial"),
    );
  }

  request(route: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${route}`, init);
  }

  convert(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request("/convert", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  async job(id: string, headers: Record<string, string> = {}): Promise<Job> {
    const res = await this.request(`/status/${id}`, { headers });
    if (res.status !== 200) throw new Error(`GET /status/${id} answered ${res.status}`);
    return (await res.json()) as Job;
  }

  /** Polls the job until it is terminal; returns every progress value seen on the way. */
  async waitForEnd(
    id: string,
    timeoutMs = 90_000,
    headers: Record<string, string> = {},
  ): Promise<{ job: Job; progressSeen: number[] }> {
    const progressSeen: number[] = [];
    const job = await eventually(
      async () => {
        const job = await this.job(id, headers);
        if (job.status === "in_progress") progressSeen.push(job.progress);
        return ["completed", "failed", "cancelled"].includes(job.status) ? job : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `job ${id} to finish` },
    );
    return { job, progressSeen };
  }
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

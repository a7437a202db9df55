import { setTimeout as sleep } from "node:timers/promises";
import type { JobView } from "@converter/shared/jobs";

/** The shortest wait between two polls of a job's status. */
export const POLL_MS = 50;

/** The parts of `GET /health` the bench reads (the full shape: API_DOCUMENTATION.md). */
export type HealthView = {
  ffmpeg: { version: string | null };
  workers: { name: string; encoders: Record<string, boolean> }[];
};

type Answer = { status: number; json: unknown; text: string };

/** A client of one deployment's HTTP API, as a script calling it over loopback would be. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request(method: string, route: string, body?: unknown): Promise<Answer> {
    const response = await fetch(this.baseUrl + route, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  /** POST /convert; the new job's id. */
  async submit(body: Record<string, unknown>): Promise<string> {
    const answer = await this.request("POST", "/convert", body);
    if (answer.status !== 202) throw unexpected("POST /convert", answer);
    return (answer.json as { job_id: string }).job_id;
  }

  async job(jobId: string): Promise<JobView> {
    const answer = await this.request("GET", `/status/${jobId}`);
    if (answer.status !== 200) throw unexpected(`GET /status/${jobId}`, answer);
    return answer.json as JobView;
  }

  /**
   * Polls GET /status/{id} until the job is completed; throws if it fails or
   * is cancelled. Like a considerate client it waits about a quarter of the
   * job's eta_seconds between polls (at most 1 s) and polls every POLL_MS only
   * near the end: 20 polls a second for the whole encode would take CPU from
   * the very ffmpeg being measured on a 2-core machine.
   */
  async waitCompleted(jobId: string, timeoutMs: number): Promise<JobView> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const job = await this.job(jobId);
      if (job.status === "completed") return job;
      if (job.status === "failed" || job.status === "cancelled") {
        const logs = await this.logs(jobId).catch(() => []);
        throw new Error(
          `job ${jobId} ${job.status}: ${JSON.stringify(job.error)}\n  last log lines:\n    ${logs.slice(-8).join("\n    ")}`,
        );
      }
      if (performance.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
      const eta = job.eta_seconds;
      await sleep(eta !== null && eta > 1 ? Math.min(1000, Math.max(POLL_MS, (eta * 1000) / 4)) : POLL_MS);
    }
  }

  /** GET /jobs/{id}/logs: the worker's log lines of the job, the ffmpeg command line first. */
  async logs(jobId: string): Promise<string[]> {
    const answer = await this.request("GET", `/jobs/${jobId}/logs`);
    const logs = (answer.json as { logs?: unknown } | undefined)?.logs;
    if (answer.status !== 200 || !Array.isArray(logs)) throw unexpected(`GET /jobs/${jobId}/logs`, answer);
    return logs as string[];
  }

  /** GET /health's body when it answers 200 and lists `workers` workers; undefined otherwise (still starting). */
  async healthyWithWorkers(workers: number): Promise<HealthView | undefined> {
    const answer = await this.request("GET", "/health");
    const health = answer.json as HealthView | undefined;
    // With no worker at all /health answers 503 (nothing would run a job): the API alone is up when it answers.
    if (workers === 0) return health;
    return answer.status === 200 && (health?.workers.length ?? 0) >= workers ? health : undefined;
  }
}

function unexpected(what: string, answer: Answer): Error {
  return new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
}

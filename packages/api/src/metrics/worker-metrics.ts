import { JOB_ROUTES, type WorkerCounters, type WorkerHeartbeat } from "@converter/shared/queue";
import { Counter, Gauge, type Registry } from "prom-client";
import { servesRoute } from "../fleet/waiting-reason.js";

/** Each worker's own running totals (heartbeat `counters`), exposed as counters labelled by worker. */
const WORKER_COUNTERS: Record<keyof WorkerCounters, string> = {
  jobs_started: "Jobs the worker started (every attempt)",
  jobs_completed: "Jobs the worker completed",
  jobs_failed: "Jobs that failed on the worker for good",
  gpu_decode_fallbacks: "Jobs planned on NVDEC that decoded on the CPU after NVDEC refused the input",
  nvenc_session_refusals: "Encodes the driver refused an NVENC session; each job went back to the queue",
  ffmpeg_seconds: "Seconds ffmpeg ran on the worker",
};

/**
 * Workers' own figures reach the API in their heartbeats (ADR 0018): read
 * when scraped from the API's last view of the fleet. They restart from 0
 * when a worker restarts, which Prometheus' rate() handles as a reset.
 */
export function registerWorkerMetrics(registry: Registry, workers: () => WorkerHeartbeat[] | undefined): void {
  new Gauge({
    name: "converter_workers_live",
    help: "Live workers by what their start-up tests proved (`any`: every live worker)",
    labelNames: ["capability"] as const,
    registers: [registry],
    collect() {
      this.reset();
      const live = workers();
      if (!live) return;
      for (const [capability, n] of Object.entries(capabilityCounts(live).capabilities)) this.set({ capability }, n);
    },
  });
  new Gauge({
    name: "converter_route_workers_live",
    help: "Live workers taking each job route's queue",
    labelNames: ["route"] as const,
    registers: [registry],
    collect() {
      this.reset();
      const live = workers();
      if (!live) return;
      for (const [route, n] of Object.entries(capabilityCounts(live).routes)) this.set({ route }, n);
    },
  });
  new Gauge({
    name: "converter_worker_running_jobs",
    help: "Jobs running on each live worker, and its MAX_CONCURRENT_JOBS as `slots`",
    labelNames: ["worker", "kind"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers() ?? []) {
        this.set({ worker: w.name, kind: "running" }, w.active_jobs);
        this.set({ worker: w.name, kind: "slots" }, w.concurrency);
      }
    },
  });
  for (const [key, help] of Object.entries(WORKER_COUNTERS) as [keyof WorkerCounters, string][]) {
    new Counter({
      name: `converter_worker_${key}_total`,
      help,
      labelNames: ["worker"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const w of workers() ?? []) if (w.counters) this.inc({ worker: w.name }, w.counters[key]);
      },
    });
  }
}

/** Live workers by what they proved, and by the routes they take. */
export function capabilityCounts(workers: WorkerHeartbeat[]) {
  const capabilities: Record<string, number> = { any: workers.length };
  for (const worker of workers) {
    for (const [name, ok] of Object.entries({ ...worker.encoders, ...(worker.decoders ?? {}) })) {
      if (ok) capabilities[name] = (capabilities[name] ?? 0) + 1;
    }
  }
  const routes = Object.fromEntries(
    JOB_ROUTES.map((route) => [route, workers.filter((w) => servesRoute(w, route)).length]),
  );
  return { capabilities, routes };
}

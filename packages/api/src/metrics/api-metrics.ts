import type { JobView } from "@converter/shared/jobs";
import type { WorkerHeartbeat } from "@converter/shared/queue";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ConversionQueues } from "../queue/conversion-queues.js";
import type { Db } from "../store/db.js";
import { jobCountsByStatus, webhookCountsByStatus } from "../views/job-counts.js";
import { withTimeout } from "../with-timeout.js";
import { JobMetrics } from "./job-metrics.js";
import { registerWorkerMetrics } from "./worker-metrics.js";

const QUEUE_READ_TIMEOUT_MS = 1000;

export type ApiMetricsDeps = {
  db: Db;
  queues?: ConversionQueues;
  /** The live workers as last read; undefined when unknown (Redis away). */
  workers: () => WorkerHeartbeat[] | undefined;
  readJob: (jobId: string) => JobView | undefined;
};

/**
 * Everything GET /metrics shows (docs/adr/0018-metrics.md), in Prometheus
 * text format. Counts that live elsewhere are read when scraped: job
 * records by status and webhook deliveries from SQLite, queue depths from
 * BullMQ, workers and their own running totals from their heartbeats.
 * Histograms and failure counters are kept by this process as events
 * happen.
 */
export function createApiMetrics(deps: ApiMetricsDeps) {
  const registry = new Registry();
  // Scraped in this order: what is queued and who runs it first, then how jobs went, then HTTP.
  registerStoreMetrics(registry, deps.db);
  registerQueueMetrics(registry, deps.queues);
  registerWorkerMetrics(registry, deps.workers);
  const duration = new Histogram({
    name: "converter_job_duration_seconds",
    help: "Completed jobs, from start to finish, by video encoder and preset",
    labelNames: ["encoder", "preset"] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
    registers: [registry],
  });
  const speed = new Histogram({
    name: "converter_job_encode_speed_ratio",
    help: "Completed jobs: seconds of media per second of conversion, by video encoder and preset",
    labelNames: ["encoder", "preset"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const webhookFailures = new Counter({
    name: "converter_webhook_delivery_failures_total",
    help: "Failed webhook delivery attempts; final=true when no attempt is left",
    labelNames: ["final"] as const,
    registers: [registry],
  });
  const http = new Histogram({
    name: "converter_http_request_duration_seconds",
    help: "HTTP requests by route pattern, method and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    http,
    jobs: new JobMetrics(deps.readJob, duration, speed),
    webhookFailed(final: boolean) {
      webhookFailures.inc({ final: String(final) });
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

function registerStoreMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: "converter_jobs",
    help: "Job records by status",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(jobCountsByStatus(db))) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "converter_webhook_deliveries",
    help: "Webhook deliveries of job runs by state",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(webhookCountsByStatus(db))) this.set({ status }, n);
    },
  });
}

function registerQueueMetrics(registry: Registry, queues: ConversionQueues | undefined): void {
  let readable = 0;
  new Gauge({
    name: "converter_queue_jobs",
    help: "BullMQ jobs per route queue and state (waiting includes prioritized)",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!queues) return;
      try {
        const all = queues.all();
        const counts = await withTimeout(
          Promise.all(all.map((q) => q.getJobCounts("waiting", "prioritized", "delayed", "active"))),
          QUEUE_READ_TIMEOUT_MS,
          "queue counts",
        );
        all.forEach((queue, i) => {
          const c = counts[i] ?? {};
          this.set({ queue: queue.name, state: "waiting" }, (c.waiting ?? 0) + (c.prioritized ?? 0));
          this.set({ queue: queue.name, state: "delayed" }, c.delayed ?? 0);
          this.set({ queue: queue.name, state: "active" }, c.active ?? 0);
        });
        readable = 1;
      } catch {
        readable = 0;
      }
    },
  });
  // Registered after the queue counts, so a scrape shows whether its own read of them worked.
  new Gauge({
    name: "converter_redis_up",
    help: "1 when this scrape could read the queue counts from Redis",
    registers: [registry],
    collect() {
      this.set(readable);
    },
  });
}

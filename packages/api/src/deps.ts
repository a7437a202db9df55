import type { ApiConfig } from "@converter/shared/config/api";
import type { Logger } from "@converter/shared/logger";
import type { Queue } from "bullmq";
import type { JobEventLog } from "./events/job-event-log.js";
import type { FleetMonitor } from "./fleet/fleet-monitor.js";
import type { ApiMetrics } from "./metrics/api-metrics.js";
import type { HealthService } from "./services/health-service.js";
import type { JobService } from "./services/job-service.js";

/** Everything the HTTP layer needs; main.ts builds it, tests build their own. */
export type AppDeps = {
  config: Pick<ApiConfig, "apiKey" | "maxBodyBytes" | "host" | "allowedHosts"> &
    Partial<Pick<ApiConfig, "metricsPublic" | "sseHeartbeatMs">>;
  version: string;
  log: Logger;
  jobs: JobService;
  health: Pick<HealthService, "check">;
  /** The BullMQ queues shown in Bull Board (one per job route, then webhooks); omitted in tests that do not mount it. */
  dashboardQueues?: Queue[];
  /** The live workers, for GET /workers; an empty list when left out. */
  fleet?: Pick<FleetMonitor, "read">;
  /** GET /metrics and the HTTP timings; an empty page when left out. */
  metrics?: Pick<ApiMetrics, "render" | "contentType" | "http">;
  /** Live job events for GET /events and /jobs/{id}/events; those routes are absent without it. */
  events?: JobEventLog;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
  };
};

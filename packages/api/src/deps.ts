import type { ApiConfig } from "@converter/shared/config/api";
import type { Logger } from "@converter/shared/logger";
import type { HttpBindings } from "@hono/node-server";
import type { Queue } from "bullmq";
import type { OutputFiles } from "./downloads/output-files.js";
import type { JobEventLog } from "./events/job-event-log.js";
import type { FolderListing } from "./files/list-folder.js";
import type { FleetMonitor } from "./fleet/fleet-monitor.js";
import type { ApiMetrics } from "./metrics/api-metrics.js";
import type { HealthService } from "./services/health-service.js";
import type { JobService } from "./services/job-service.js";
import type { ProbeService } from "./services/probe-service.js";
import type { SessionStore } from "./sessions/session-store.js";
import type { TusUploads } from "./uploads/tus-uploads.js";
import type { UploadService } from "./uploads/upload-service.js";

/** Everything the HTTP layer needs; main.ts builds it, tests build their own. */
export type AppDeps = {
  config: Pick<ApiConfig, "apiKey" | "maxBodyBytes" | "host" | "allowedHosts"> &
    Partial<Pick<ApiConfig, "metricsPublic" | "sseHeartbeatMs">>;
  version: string;
  log: Logger;
  jobs: JobService;
  health: Pick<HealthService, "check">;
  /** Files over HTTP (docs/adr/0021-files-over-http.md). */
  uploads: UploadService;
  /** Resumable uploads; omitted in tests that do not mount them. */
  tus?: TusUploads;
  outputs: OutputFiles;
  folders: FolderListing;
  probe: ProbeService;
  /** The BullMQ queues shown in Bull Board (one per job route, then webhooks); omitted in tests that do not mount it. */
  dashboardQueues?: Queue[];
  /** The live workers, for GET /workers; an empty list when left out. */
  fleet?: Pick<FleetMonitor, "read">;
  /** GET /metrics and the HTTP timings; an empty page when left out. */
  metrics?: Pick<ApiMetrics, "render" | "contentType" | "http">;
  /** Live job events for GET /events and /jobs/{id}/events; those routes are absent without it. */
  events?: JobEventLog;
  /** The web page's logins; a new, empty store when left out. */
  sessions?: SessionStore;
};

export type AppEnv = {
  /** Set by @hono/node-server when served; absent when a test calls the app in process. */
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    log: Logger;
  };
};

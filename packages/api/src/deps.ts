import type { ApiConfig } from "@converter/shared/config/api";
import type { Logger } from "@converter/shared/logger";
import type { Queue } from "bullmq";
import type { ConversionQueue } from "./queue/conversion-queue.js";
import type { HealthService } from "./services/health-service.js";
import type { JobService } from "./services/job-service.js";

/** Everything the HTTP layer needs; main.ts builds it, tests build their own. */
export type AppDeps = {
  config: Pick<ApiConfig, "apiKey" | "maxBodyBytes" | "host" | "allowedHosts">;
  version: string;
  log: Logger;
  jobs: JobService;
  health: Pick<HealthService, "check">;
  /** The BullMQ queue shown in Bull Board; omitted in tests that do not mount it. */
  queue?: ConversionQueue;
  /** The webhook delivery queue, shown in Bull Board beside the conversions. */
  webhookQueue?: Queue;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
  };
};

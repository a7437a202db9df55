import type { JobQueue } from "../queue/conversion-queue.js";
import type { Db } from "../store/db.js";
import type { JobChangeListener } from "../store/job-store.js";
import type { JobRouting } from "../views/job-view.js";
import type { WebhookNotifier } from "../webhooks/webhook-dispatcher.js";
import type { WebhookUrlCheck } from "../webhooks/webhook-url-check.js";
import type { SegmentingDeps } from "./segmenting.js";

/** What the job services need; main.ts builds it, tests build their own. */
export type JobServiceDeps = {
  db: Db;
  queue: JobQueue;
  /** Real path of MEDIA_ROOT. */
  mediaRoot: string;
  maxQueuedJobs: number;
  /** How long a cancel waits for the worker running the job to confirm it stopped. */
  cancelWaitMs?: number;
  /** Told when the API itself ends a job (a cancel), as the events consumer is for the rest. */
  webhooks?: WebhookNotifier;
  /** MAX_INPUT_BYTES: larger inputs are refused at submit, before they take a queue slot. */
  maxInputBytes?: number;
  now?: () => Date;
  /** The base QUEUE_NAME and the fleet's reason a queued job waits (ADR 0016), for the job view. */
  routing?: JobRouting;
  /** Told of every change of a job this service makes (the live event log). */
  changes?: JobChangeListener;
  /** Refuses a webhook_url the server cannot or must not call; absent: any URL is stored. */
  checkWebhookUrl?: WebhookUrlCheck;
  /** Split-and-parallel encoding (ADR 0026); absent: jobs that ask are planned nowhere and run in a single pass. */
  segmenting?: SegmentingDeps;
};

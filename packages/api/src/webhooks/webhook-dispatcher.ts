import type { JobStatus, JobView } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import { webhookQueueName } from "@converter/shared/queue";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { addPromptly } from "../queue/add-promptly.js";
import { postWebhook } from "./post-webhook.js";
import { type Resolver, systemResolver } from "./resolve-target.js";
import { SIGNATURE_HEADER, signWebhook } from "./webhook-signature.js";
import type { WebhookStore } from "./webhook-store.js";

/** What the code recording job transitions needs: safe to call more than once per run. */
export interface WebhookNotifier {
  jobFinished(jobId: string): Promise<void>;
}

export const WEBHOOK_EVENTS = ["job.completed", "job.failed", "job.cancelled"] as const;

/** One delivery on the webhook queue. `body` is serialised once, so every attempt signs and sends the same bytes. */
const WebhookJobData = z.object({
  job_id: z.string(),
  /** The job's `retries` when it ended: tells a retried job's deliveries apart. */
  round: z.number().int().min(0),
  event: z.enum(WEBHOOK_EVENTS),
  url: z.string(),
  body: z.string(),
  /** Attempts made before this BullMQ job (a delivery Redis lost and the reconciler queued again). */
  attempts_before: z.number().int().min(0),
});
type WebhookJobData = z.infer<typeof WebhookJobData>;

/** Deliveries run side by side, so one hanging receiver holds up no other. */
const DEFAULT_CONCURRENCY = 16;
/** Kept in Redis so a second jobFinished for the same run finds it (BullMQ ignores an add with a known id). */
const KEEP_DONE_SECONDS = 7 * 24 * 3600;

/** BullMQ job id of one run's delivery; BullMQ forbids ':' and all-digit custom ids. */
export function deliveryId(jobId: string, round: number): string {
  return `${jobId}-r${round}`;
}

function eventOf(status: JobStatus): (typeof WEBHOOK_EVENTS)[number] | undefined {
  if (status === "completed") return "job.completed";
  if (status === "failed") return "job.failed";
  if (status === "cancelled") return "job.cancelled";
  return undefined;
}

export type WebhookDispatcherOptions = {
  /** Command connection; like the conversion queue's, it must not queue commands while Redis is down. */
  connection: Redis;
  /** The worker's blocking connection (maxRetriesPerRequest: null). */
  workerConnection: Redis;
  /** Name of the conversion queue; deliveries use webhookQueueName() of it. */
  queueName: string;
  store: WebhookStore;
  /** The job as clients see it: the body of its webhook. */
  jobs: { get(jobId: string): JobView | undefined };
  log: Logger;
  secret: string | undefined;
  allowPrivate: boolean;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  userAgent: string;
  resolve?: Resolver;
  concurrency?: number;
  /** Told of every failed attempt, final when no attempt is left (for /metrics). */
  onFailedAttempt?: (final: boolean) => void;
};

/**
 * Delivers terminal-state webhooks from inside the API process, which owns
 * SQLite and so records every attempt on the job directly. A BullMQ queue of
 * its own gives retries with exponential backoff that survive restarts; the
 * job's own status never waits on it.
 */
export class WebhookDispatcher implements WebhookNotifier {
  readonly queue: Queue<WebhookJobData>;
  private worker: Worker<WebhookJobData> | undefined;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.queue = new Queue<WebhookJobData>(webhookQueueName(options.queueName), { connection: options.connection });
  }

  /** Starts delivering. Without it, deliveries are only queued (e.g. for a test of the queueing alone). */
  async start(): Promise<void> {
    const { log } = this.options;
    this.worker = new Worker<WebhookJobData>(this.queue.name, (job) => this.deliver(job), {
      connection: this.options.workerConnection,
      concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY,
    });
    this.worker.on("error", (error) => log.warn({ err: error.message }, "webhook worker error"));
    await this.worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }

  /**
   * Queues the webhook of a job that just ended. Never throws: when Redis is
   * unreachable the row keeps no pending delivery and the reconciler
   * (enqueueMissing) queues it later, so the caller's recording of the
   * transition is never held up or failed by a webhook.
   */
  async jobFinished(jobId: string): Promise<void> {
    try {
      await this.queueDelivery(jobId);
    } catch (error) {
      this.options.log.warn(
        { job_id: jobId, err: (error as Error).message },
        "could not queue the webhook; the reconciler retries",
      );
    }
  }

  /**
   * For the reconciler: queues the webhooks of runs that ended while they
   * could not be queued, and queues again deliveries SQLite calls pending
   * but Redis no longer has (a flushed Redis). Throws when Redis is down.
   */
  async enqueueMissing(): Promise<number> {
    const { store } = this.options;
    let queued = 0;
    for (const id of store.unclaimedIds()) {
      if (await this.queueDelivery(id)) queued += 1;
    }
    for (const { id, round } of store.pending()) {
      if (await this.queue.getJob(deliveryId(id, round))) continue;
      const data = this.dataOf(id, round);
      if (!data) continue;
      await this.add(data);
      queued += 1;
      this.options.log.warn({ job_id: id }, "webhook delivery missing from redis: queued again");
    }
    return queued;
  }

  /** True when this call queued the delivery; false when there was nothing (left) to queue. */
  private async queueDelivery(jobId: string): Promise<boolean> {
    const { store } = this.options;
    const round = store.claim(jobId);
    if (round === undefined) return false;
    const data = this.dataOf(jobId, round);
    if (!data) return false;
    try {
      await this.add(data);
    } catch (error) {
      store.release(jobId, round);
      throw error;
    }
    return true;
  }

  /** The delivery of one run, its body the job as it is now (the view includes this delivery's state). */
  private dataOf(jobId: string, round: number): WebhookJobData | undefined {
    const job = this.options.jobs.get(jobId);
    const event = job && eventOf(job.status);
    if (!job || !event || !job.webhook_url) return undefined;
    return {
      job_id: jobId,
      round,
      event,
      url: job.webhook_url,
      body: JSON.stringify(job),
      attempts_before: this.options.store.delivery(jobId, round)?.attempts ?? 0,
    };
  }

  private async add(data: WebhookJobData): Promise<void> {
    const { connection, maxAttempts, backoffMs } = this.options;
    // A failed add leaves the row released, for the reconciler to queue again.
    const jobId = deliveryId(data.job_id, data.round);
    await addPromptly(this.queue, connection, jobId, () =>
      this.queue.add("deliver", data, {
        jobId,
        attempts: Math.max(1, maxAttempts - data.attempts_before),
        backoff: { type: "exponential", delay: backoffMs },
        removeOnComplete: { age: KEEP_DONE_SECONDS },
        removeOnFail: { age: KEEP_DONE_SECONDS },
      }),
    );
  }

  /** One attempt; throwing hands the retry schedule to BullMQ. */
  private async deliver(job: Job<WebhookJobData>): Promise<string> {
    const { store, log, secret } = this.options;
    const data = WebhookJobData.parse(job.data);
    const current = this.options.jobs.get(data.job_id);
    // The job was deleted, or retried since it ended: this delivery describes a state that is gone.
    if (!current || current.retries !== data.round || !store.delivery(data.job_id, data.round)) return "superseded";

    const attempt = data.attempts_before + job.attemptsMade + 1;
    const isLast = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const record = (status: "pending" | "delivered" | "failed", statusCode: number | null, error: string | null) =>
      store.recordAttempt(data.job_id, data.round, {
        status,
        attempts: attempt,
        statusCode,
        error,
        at: new Date().toISOString(),
      });
    const jobLog = log.child({ job_id: data.job_id, delivery: job.id, attempt });

    if (!secret) {
      record("failed", null, "WEBHOOK_SECRET is not set on the server");
      jobLog.warn("webhook not sent: WEBHOOK_SECRET is not set");
      throw new UnrecoverableError("WEBHOOK_SECRET is not set");
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const outcome = await postWebhook({
      url: data.url,
      body: data.body,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": this.options.userAgent,
        [SIGNATURE_HEADER]: signWebhook(secret, timestamp, data.body),
        "X-Converter-Event": data.event,
        "X-Converter-Delivery": job.id ?? deliveryId(data.job_id, data.round),
      },
      timeoutMs: this.options.timeoutMs,
      allowPrivate: this.options.allowPrivate,
      resolve: this.options.resolve ?? systemResolver,
    });
    if (outcome.ok) {
      record("delivered", outcome.statusCode, null);
      jobLog.info({ status_code: outcome.statusCode }, "webhook delivered");
      return "delivered";
    }
    const final = outcome.permanent || isLast;
    record(final ? "failed" : "pending", outcome.statusCode, outcome.error);
    this.options.onFailedAttempt?.(final);
    jobLog.warn(
      { status_code: outcome.statusCode, reason: outcome.error, final },
      final ? "webhook delivery failed for good" : "webhook delivery failed; retrying",
    );
    throw outcome.permanent ? new UnrecoverableError(outcome.error) : new Error(outcome.error);
  }
}

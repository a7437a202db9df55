import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AppError,
  CANCELLED_BY_CLIENT,
  CONTAINER_EXTENSIONS,
  type ConvertJobData,
  type ConvertRequest,
  defaultOutputPath,
  isTerminal,
  type JobStatus,
  type JobView,
  newJobId,
  resolveInputPath,
  resolveOptions,
  resolveOutputPath,
} from "@converter/shared";
import { type JobQueue, jobDataFromRow } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";
import type { JobRow } from "../store/schema.js";
import type { WebhookNotifier } from "../webhooks/webhook-dispatcher.js";
import type { WebhookUrlCheck } from "../webhooks/webhook-url-check.js";

export const DEFAULT_PRIORITY = 5;
/** What a client is told to wait when the queue is full. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 30;

export type JobServiceDeps = {
  store: JobStore;
  queue: JobQueue;
  /** Real path of MEDIA_ROOT. */
  mediaRoot: string;
  maxQueuedJobs: number;
  /** How long a cancel waits for the worker running the job to confirm it stopped. */
  cancelWaitMs?: number;
  /** Told when this service itself ends a job (a cancel), as the events consumer is for the rest. */
  webhooks?: WebhookNotifier;
  /** MAX_INPUT_BYTES: larger inputs are refused here, before they take a queue slot. */
  maxInputBytes?: number;
  now?: () => Date;
  /** Refuses a webhook_url the server cannot or must not call; absent: any URL is stored. */
  checkWebhookUrl?: WebhookUrlCheck;
};

/** How long an Idempotency-Key is remembered (Stripe's 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const CANCEL_POLL_MS = 100;

export type SubmitOutcome = { job: JobView; replayed: boolean };

/** Submission and reading of jobs. Knows nothing of HTTP. */
export class JobService {
  /** Submissions under an Idempotency-Key that have not returned yet: a concurrent duplicate awaits the first. */
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<JobView> }>();
  private readonly retrying = new Set<string>();

  constructor(private readonly deps: JobServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Submit with Stripe's idempotency semantics: the same key and body within
   * 24 hours give the original job back (replayed), the same key with
   * another body is refused, and concurrent duplicates create one job.
   */
  async submitOnce(request: ConvertRequest, requestId: string, idempotencyKey?: string): Promise<SubmitOutcome> {
    if (idempotencyKey === undefined) return { job: await this.submit(request, requestId), replayed: false };
    const requestHash = hashRequest(request);
    const mismatch = () =>
      new AppError(
        "idempotency_mismatch",
        "this Idempotency-Key was used with a different request body; use a new key for a new request",
        { field: "Idempotency-Key" },
      );

    const running = this.inFlight.get(idempotencyKey);
    if (running) {
      if (running.requestHash !== requestHash) throw mismatch();
      const job = await running.outcome;
      return { job: this.get(job.job_id), replayed: true };
    }
    const notBefore = new Date(this.now().getTime() - IDEMPOTENCY_TTL_MS).toISOString();
    this.deps.store.purgeIdempotencyKeys(notBefore);
    const earlier = this.deps.store.findIdempotencyKey(idempotencyKey, notBefore);
    if (earlier) {
      if (earlier.requestHash !== requestHash) throw mismatch();
      return { job: this.get(earlier.jobId), replayed: true };
    }

    const outcome = this.submit(request, requestId, { key: idempotencyKey, requestHash });
    this.inFlight.set(idempotencyKey, { requestHash, outcome });
    try {
      return { job: await outcome, replayed: false };
    } finally {
      this.inFlight.delete(idempotencyKey);
    }
  }

  async submit(
    request: ConvertRequest,
    requestId: string,
    idempotency?: { key: string; requestHash: string },
  ): Promise<JobView> {
    const { store, mediaRoot } = this.deps;
    const resolved = resolveOptions(request.preset, request.options, request.output);
    if (!resolved.ok) throw resolved.error;
    const { preset, options } = resolved.value;

    const input = await resolveInputPath(mediaRoot, request.input);
    if (!input.ok) throw input.error;
    await this.checkInputSize(input.value.absolute, input.value.relative);

    const wanted =
      request.output ??
      defaultOutputPath(input.value.relative, CONTAINER_EXTENSIONS[options.container][0] ?? options.container);
    const output = await resolveOutputPath(mediaRoot, wanted);
    if (!output.ok) throw output.error;
    if (output.value.absolute === input.value.absolute) {
      throw new AppError("invalid_path", "output must not be the input file", { field: "output" });
    }
    if (output.value.exists && request.overwrite !== true) {
      throw new AppError(
        "output_exists",
        `${output.value.relative} already exists; send "overwrite": true to replace it`,
        {
          field: "output",
        },
      );
    }
    // Last of the request's checks: it may wait on DNS.
    if (request.webhook_url && this.deps.checkWebhookUrl) {
      const problem = await this.deps.checkWebhookUrl(request.webhook_url);
      if (problem) throw problem;
    }
    if (store.countQueued() >= this.deps.maxQueuedJobs) throw queueFullError(this.deps.maxQueuedJobs);

    // Two spellings of one file (through a symlinked folder) are one output.
    const canonicalOutput = path.relative(mediaRoot, output.value.absolute);
    const canonicalInput = path.relative(mediaRoot, input.value.absolute);
    const jobId = newJobId();
    const priority = request.priority ?? DEFAULT_PRIORITY;
    const inserted = store.insertIfOutputFree(
      {
        id: jobId,
        status: "queued",
        progress: 0,
        input: canonicalInput,
        output: canonicalOutput,
        preset,
        options,
        overwrite: request.overwrite === true,
        priority,
        webhookUrl: request.webhook_url ?? null,
        requestId,
        createdAt: this.now().toISOString(),
        logs: [],
      },
      idempotency,
    );
    if (!inserted.ok) throw outputBusyError(inserted.conflictingJobId, canonicalOutput);

    const data: ConvertJobData = {
      job_id: jobId,
      input: canonicalInput,
      output: canonicalOutput,
      preset,
      options,
      overwrite: request.overwrite === true,
      request_id: requestId,
    };
    try {
      await this.deps.queue.enqueue(data, priority);
    } catch (cause) {
      // No 202 for a job that is not on the queue, and no row that would look queued forever.
      store.delete(jobId);
      throw new AppError("redis_unavailable", "the job queue is unreachable; the job was not accepted", {
        cause,
      });
    }
    return this.get(jobId);
  }

  /**
   * Cancels a queued or running job. A queued one is taken off the queue
   * here; a running one is stopped by the worker that holds it, on whatever
   * node, which this waits for (up to cancelWaitMs) so the answer can say
   * `cancelled` and mean that its ffmpeg is gone. The durable marker makes
   * any later run of the job end at once, so the job is recorded cancelled
   * even when no worker confirms in time.
   */
  async cancel(jobId: string): Promise<JobView> {
    const { store, queue } = this.deps;
    const job = this.get(jobId);
    if (isTerminal(job.status)) throw finishedError(job);
    store.markCancelRequested(jobId, this.now().toISOString());
    let found: Awaited<ReturnType<JobQueue["removeUnlessActive"]>>;
    try {
      await queue.requestCancel(jobId);
      found = await queue.removeUnlessActive(jobId);
    } catch (cause) {
      throw new AppError("redis_unavailable", "the job queue is unreachable; the job was not cancelled", { cause });
    }
    const waitMs = this.deps.cancelWaitMs ?? 10_000;
    if (found === "finished") {
      // It ended on the worker a moment ago; the events consumer is recording how.
      throw finishedError(await this.waitUntilFinished(jobId, waitMs));
    }
    if (found === "active") {
      const settled = await this.waitUntilFinished(jobId, waitMs);
      if (settled.status === "cancelled") return settled;
      // It completed or failed before the worker heard of the cancel.
      if (isTerminal(settled.status)) throw finishedError(settled);
    }
    store.markFailed(jobId, CANCELLED_BY_CLIENT, this.now().toISOString(), undefined);
    const after = this.get(jobId);
    if (after.status !== "cancelled") throw finishedError(after);
    await this.deps.webhooks?.jobFinished(jobId);
    return after;
  }

  /**
   * Queues a failed or cancelled job again: same id and options, a fresh run
   * whose attempts count on from the earlier ones.
   */
  async retry(jobId: string): Promise<JobView> {
    // One retry of a job at a time: a second, concurrent one would find the
    // BullMQ job already moved and the record about to be.
    if (this.retrying.has(jobId)) {
      throw new AppError("job_not_retryable", `a retry of job ${jobId} is already under way`);
    }
    this.retrying.add(jobId);
    try {
      return await this.retryOnce(jobId);
    } finally {
      this.retrying.delete(jobId);
    }
  }

  private async retryOnce(jobId: string): Promise<JobView> {
    const { store, queue, mediaRoot } = this.deps;
    const current = this.get(jobId);
    if (current.status !== "failed" && current.status !== "cancelled") {
      throw new AppError(
        "job_not_retryable",
        `job ${jobId} is ${current.status}; only failed or cancelled jobs can be retried`,
        {
          status: current.status,
        },
      );
    }
    const output = await resolveOutputPath(mediaRoot, current.output);
    if (!output.ok) throw output.error;
    if (output.value.exists && !current.overwrite) {
      throw new AppError(
        "output_exists",
        `${current.output} exists now; remove it or submit a new job with "overwrite": true`,
        {
          field: "output",
        },
      );
    }
    if (store.countQueued() >= this.deps.maxQueuedJobs) throw queueFullError(this.deps.maxQueuedJobs);
    const writer = store.liveJobWriting(current.output, jobId);
    if (writer) throw outputBusyError(writer, current.output);

    // Redis first, then the record: until the record says queued, a stray
    // event or reconciliation cannot undo it, and the events of the new run
    // (which only touch live records) are re-read from BullMQ by the record's
    // own transition below.
    let outcome: "queued" | "active";
    try {
      outcome = await queue.requeue(jobDataFromRow(store.getRow(jobId) as JobRow), current.priority);
    } catch (cause) {
      throw new AppError("redis_unavailable", "the job queue is unreachable; the job was not queued again", { cause });
    }
    if (outcome === "active") {
      throw new AppError("job_not_retryable", `job ${jobId} is still stopping on a worker; retry in a few seconds`);
    }
    const requeued = store.requeueForRetry(jobId);
    if (!requeued.ok) {
      if (requeued.reason === "output_busy") {
        // A submission took the output meanwhile: take the run back.
        await queue.removeUnlessActive(jobId).catch(() => undefined);
        throw outputBusyError(requeued.conflictingJobId, current.output);
      }
      // A concurrent retry of the same job got there first.
      throw new AppError("job_not_retryable", `job ${jobId} is no longer failed or cancelled`);
    }
    return this.get(jobId);
  }

  private async waitUntilFinished(jobId: string, ms: number): Promise<JobView> {
    const deadline = Date.now() + ms;
    let job = this.get(jobId);
    while (!isTerminal(job.status) && Date.now() < deadline) {
      await sleep(CANCEL_POLL_MS);
      job = this.get(jobId);
    }
    return job;
  }

  private async checkInputSize(absolute: string, shown: string): Promise<void> {
    const limit = this.deps.maxInputBytes;
    if (limit === undefined) return;
    // A file gone since it was resolved is the worker's to report; only a known size is judged here.
    const size = (await stat(absolute).catch(() => undefined))?.size ?? 0;
    if (size > limit) {
      throw new AppError("input_too_large", `${shown} is ${size} bytes; MAX_INPUT_BYTES allows ${limit}`, {
        field: "input",
        limit: "MAX_INPUT_BYTES",
        max_bytes: limit,
      });
    }
  }

  get(jobId: string): JobView {
    const job = this.deps.store.get(jobId);
    if (!job) throw new AppError("job_not_found", `no job with id ${jobId}`);
    return job;
  }

  list(query: { status?: JobStatus; limit: number; cursor?: string }) {
    return this.deps.store.list(query);
  }

  logs(jobId: string): string[] {
    const logs = this.deps.store.logs(jobId);
    if (!logs) throw new AppError("job_not_found", `no job with id ${jobId}`);
    return logs;
  }
}

function finishedError(job: JobView): AppError {
  return new AppError("job_finished", `job ${job.job_id} already ended ${job.status}; there is nothing to cancel`, {
    status: job.status,
  });
}

function outputBusyError(conflictingJobId: string, output: string): AppError {
  return new AppError("output_exists", `job ${conflictingJobId} is already writing ${output}`, {
    field: "output",
    job_id: conflictingJobId,
  });
}

function queueFullError(maxQueuedJobs: number): AppError {
  return new AppError("queue_full", `${maxQueuedJobs} jobs are already waiting (MAX_QUEUED_JOBS); retry later`, {
    retry_after_seconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
  });
}

/** The request as a stable string (keys sorted), so key order does not make two bodies differ. */
function hashRequest(request: ConvertRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

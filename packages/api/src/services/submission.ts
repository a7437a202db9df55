import path from "node:path";
import { AppError } from "@converter/shared/errors";
import { newJobId } from "@converter/shared/ids";
import {
  CONTAINER_EXTENSIONS,
  type ConvertRequest,
  DEFAULT_STREAM_COPY,
  type JobView,
  type ResolvedOptions,
} from "@converter/shared/jobs";
import { defaultOutputPath, resolveInputPath, resolveOutputPath } from "@converter/shared/media-path";
import { resolveOptions } from "@converter/shared/presets";
import type { ConvertJobData, SegmentPlan } from "@converter/shared/queue";
import { inTransaction } from "../store/db.js";
import type { IdempotencyStore } from "../store/idempotency-store.js";
import type { JobStore } from "../store/job-store.js";
import { SegmentStore } from "../store/segment-store.js";
import { outputBusyError, queueFullError, queueUnreachableError } from "./job-errors.js";
import { planSegmentedJob } from "./segmenting.js";
import type { JobServiceDeps } from "./service-deps.js";

export const DEFAULT_PRIORITY = 5;

/** A request that passed every check: paths canonical (relative to MEDIA_ROOT, symlinks resolved). */
type CheckedRequest = { preset: string; options: ResolvedOptions; input: string; output: string };

/** A checked request and, for a segmented job, its cut (ADR 0026). */
type CheckedJob = { checked: CheckedRequest; segments: SegmentPlan | undefined };

/** What a job copies rather than re-encodes (ADR 0022); `auto` unless the request says otherwise. */
const streamCopyOf = (request: ConvertRequest) => request.stream_copy ?? DEFAULT_STREAM_COPY;

/**
 * Submission of a job: every check of the request, then the record and the
 * queue entry, both or neither. A client is answered 202 only for a job that
 * is on the queue.
 */
export class Submissions {
  constructor(
    private readonly deps: JobServiceDeps,
    private readonly store: JobStore,
    private readonly idempotency: IdempotencyStore,
    private readonly read: (jobId: string) => JobView,
  ) {}

  async submit(
    request: ConvertRequest,
    requestId: string,
    idempotency?: { key: string; requestHash: string },
  ): Promise<JobView> {
    const { checked, segments } = await this.check(request);
    const jobId = newJobId();
    const priority = request.priority ?? DEFAULT_PRIORITY;
    const createdAt = (this.deps.now?.() ?? new Date()).toISOString();
    const inserted = inTransaction(this.deps.db, () => {
      const outcome = this.store.insertIfOutputFree({
        id: jobId,
        status: "queued",
        progress: 0,
        ...checked,
        overwrite: request.overwrite === true,
        priority,
        streamCopy: streamCopyOf(request),
        webhookUrl: request.webhook_url ?? null,
        requestId,
        createdAt,
        logs: [],
        segmentPlan: segments ?? null,
        segments: segments ? SegmentStore.initialView(jobId, segments) : null,
      });
      if (outcome.ok && idempotency) this.idempotency.remember({ ...idempotency, jobId, createdAt });
      return outcome;
    });
    if (!inserted.ok) throw outputBusyError(inserted.conflictingJobId, checked.output);

    const data: ConvertJobData = {
      job_id: jobId,
      ...checked,
      overwrite: request.overwrite === true,
      request_id: requestId,
      stream_copy: streamCopyOf(request),
      ...(segments ? { segments } : {}),
    };
    // The job as accepted, queued as the contract's 202 says. Read before enqueue: after it, a
    // worker that took the job at once could already show in_progress (a CI run here saw it).
    const accepted = this.read(jobId);
    try {
      await this.deps.queue.enqueue(data, priority);
    } catch (cause) {
      // No 202 for a job that is not on the queue, and no row that would look queued forever.
      inTransaction(this.deps.db, () => {
        this.idempotency.forgetJob(jobId);
        this.store.delete(jobId);
      });
      throw queueUnreachableError("the job was not accepted", cause);
    }
    this.store.announce(jobId);
    return accepted;
  }

  /** Every check of a request, cheapest first; the webhook_url's may wait on DNS, so it comes last. */
  private async check(request: ConvertRequest): Promise<CheckedJob> {
    // `segments` says how to encode, not what: it is not one of the resolved options.
    const { segments: requested, ...overrides } = request.options ?? {};
    const resolved = resolveOptions(request.preset, request.options && overrides, request.output);
    if (!resolved.ok) throw resolved.error;
    const { preset, options } = resolved.value;
    const { input, output } = await this.checkPaths(request, options);
    if (request.webhook_url && this.deps.checkWebhookUrl) {
      const problem = await this.deps.checkWebhookUrl(request.webhook_url);
      if (problem) throw problem;
    }
    if (this.store.countQueued() >= this.deps.maxQueuedJobs) throw queueFullError(this.deps.maxQueuedJobs);
    const segments = await planSegmentedJob(this.deps.segmenting, {
      inputPath: path.join(this.deps.mediaRoot, input),
      options,
      streamCopy: streamCopyOf(request),
      requested,
    });
    return { checked: { preset, options, input, output }, segments };
  }

  /** The input exists and is not too large; the output is free. Both come back canonical. */
  private async checkPaths(
    request: ConvertRequest,
    options: ResolvedOptions,
  ): Promise<{ input: string; output: string }> {
    const { mediaRoot } = this.deps;
    const input = await resolveInputPath(mediaRoot, request.input);
    if (!input.ok) throw input.error;
    this.checkInputSize(input.value.stats.size, input.value.relative);
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
    // Two spellings of one file (through a symlinked folder) are one output.
    return {
      input: path.relative(mediaRoot, input.value.absolute),
      output: path.relative(mediaRoot, output.value.absolute),
    };
  }

  /** The size the path check read (a file replaced since is the worker's to report). */
  private checkInputSize(size: number, shown: string): void {
    const limit = this.deps.maxInputBytes;
    if (limit === undefined || size <= limit) return;
    throw new AppError("input_too_large", `${shown} is ${size} bytes; MAX_INPUT_BYTES allows ${limit}`, {
      field: "input",
      limit: "MAX_INPUT_BYTES",
      max_bytes: limit,
    });
  }
}

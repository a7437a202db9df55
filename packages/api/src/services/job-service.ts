import { stat } from "node:fs/promises";
import path from "node:path";
import {
  AppError,
  CONTAINER_EXTENSIONS,
  type ConvertJobData,
  type ConvertRequest,
  defaultOutputPath,
  type JobStatus,
  type JobView,
  newJobId,
  resolveInputPath,
  resolveOptions,
  resolveOutputPath,
} from "@converter/shared";
import type { JobQueue } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";

export const DEFAULT_PRIORITY = 5;
/** What a client is told to wait when the queue is full. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 30;

export type JobServiceDeps = {
  store: JobStore;
  queue: JobQueue;
  /** Real path of MEDIA_ROOT. */
  mediaRoot: string;
  maxQueuedJobs: number;
  /** MAX_INPUT_BYTES: larger inputs are refused here, before they take a queue slot. */
  maxInputBytes?: number;
  now?: () => Date;
};

/** Submission and reading of jobs. Knows nothing of HTTP. */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  async submit(request: ConvertRequest, requestId: string): Promise<JobView> {
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
    if (store.countQueued() >= this.deps.maxQueuedJobs) {
      throw new AppError(
        "queue_full",
        `${this.deps.maxQueuedJobs} jobs are already waiting (MAX_QUEUED_JOBS); retry later`,
        {
          retry_after_seconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
        },
      );
    }

    // Two spellings of one file (through a symlinked folder) are one output.
    const canonicalOutput = path.relative(mediaRoot, output.value.absolute);
    const canonicalInput = path.relative(mediaRoot, input.value.absolute);
    const jobId = newJobId();
    const priority = request.priority ?? DEFAULT_PRIORITY;
    const inserted = store.insertIfOutputFree({
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
      createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
      logs: [],
    });
    if (!inserted.ok) {
      throw new AppError("output_exists", `job ${inserted.conflictingJobId} is already writing ${canonicalOutput}`, {
        field: "output",
        job_id: inserted.conflictingJobId,
      });
    }

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

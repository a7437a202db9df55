import { rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@converter/shared/logger";
import { resolveInputPath } from "@converter/shared/media-path";
import { type Db, inTransaction } from "../store/db.js";
import { IdempotencyStore } from "../store/idempotency-store.js";
import { JobStore } from "../store/job-store.js";
import type { JobRow, UploadRow } from "../store/schema.js";
import type { TusUploads } from "../uploads/tus-uploads.js";
import { TUS_DIR, type UploadService } from "../uploads/upload-service.js";

export type RetentionSettings = {
  /** UPLOAD_RETENTION_HOURS; 0 keeps uploads. */
  uploadRetentionMs: number;
  /** JOB_RETENTION_DAYS; 0 keeps job records. */
  jobRetentionMs: number;
  /** OUTPUT_RETENTION_DAYS; 0 (the default) never deletes an output. */
  outputRetentionMs: number;
};

export type RetentionDeps = RetentionSettings & {
  db: Db;
  /** Real path of MEDIA_ROOT. */
  mediaRoot: string;
  uploads: UploadService;
  tus?: TusUploads;
  log: Logger;
  now?: () => Date;
  /** How often the sweep runs besides at start; an hour by default. */
  intervalMs?: number;
};

export type SweepCounts = { uploads: number; jobs: number; outputs: number };

/** Rows handled per query: a big backlog is worked off in small transactions, not one long lock. */
const BATCH = 200;

/**
 * What the API keeps, and for how long (docs/adr/0021-files-over-http.md):
 * uploads no live job reads, UPLOAD_RETENTION_HOURS after their last byte
 * arrived; ended jobs (record, log, webhook deliveries, Idempotency-Keys)
 * JOB_RETENTION_DAYS after they ended; outputs only when
 * OUTPUT_RETENTION_DAYS says so. Runs at start and every `intervalMs`.
 */
export class RetentionSweeper {
  private readonly jobs: JobStore;
  private readonly keys: IdempotencyStore;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: RetentionDeps) {
    this.jobs = new JobStore(deps.db);
    this.keys = new IdempotencyStore(deps.db);
  }

  start(): void {
    const run = () => {
      this.running ??= this.sweepOnce()
        .catch((error) => this.deps.log.warn({ err: error }, "retention sweep failed"))
        .finally(() => {
          this.running = undefined;
        });
    };
    run();
    this.timer = setInterval(run, this.deps.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweepOnce(): Promise<SweepCounts> {
    const counts = { uploads: await this.sweepUploads(), outputs: await this.sweepOutputs(), jobs: this.pruneJobs() };
    if (counts.uploads + counts.jobs + counts.outputs > 0) this.deps.log.info(counts, "retention sweep removed");
    return counts;
  }

  /**
   * Single-request uploads still receiving at start: only this process writes
   * them, so each is what a crash left half written.
   */
  async removeAbandoned(): Promise<number> {
    const abandoned = this.deps.uploads.store.abandonedSingles();
    for (const row of abandoned) await this.deps.uploads.discard(row);
    return abandoned.length;
  }

  private async sweepUploads(): Promise<number> {
    if (this.deps.uploadRetentionMs === 0) return 0;
    const cutoff = this.now() - this.deps.uploadRetentionMs;
    let removed = 0;
    for (const row of this.deps.uploads.store.createdBefore(new Date(cutoff).toISOString(), BATCH)) {
      if ((await this.lastActivity(row)) >= cutoff) continue;
      if (this.jobs.liveJobReading(row.path)) continue;
      if (row.kind === "tus" && row.status === "receiving") await this.deps.tus?.removePartial(row.id);
      await this.deps.uploads.discard(row);
      removed += 1;
    }
    return removed;
  }

  /** When the upload last received a byte: its completion, or a resumable one's partial file's last write. */
  private async lastActivity(row: UploadRow): Promise<number> {
    if (row.completedAt) return Date.parse(row.completedAt);
    const partial = path.join(this.deps.uploads.root, TUS_DIR, row.id);
    const written = row.kind === "tus" ? await stat(partial).catch(() => undefined) : undefined;
    return Math.max(Date.parse(row.createdAt), written?.mtimeMs ?? 0);
  }

  private async sweepOutputs(): Promise<number> {
    if (this.deps.outputRetentionMs === 0) return 0;
    const cutoff = new Date(this.now() - this.deps.outputRetentionMs).toISOString();
    let removed = 0;
    for (const job of this.jobs.outputsOlderThan(cutoff, BATCH)) {
      if (await this.deleteOutput(job)) removed += 1;
      this.jobs.markOutputDeleted(job.id, new Date(this.now()).toISOString());
    }
    return removed;
  }

  /** Only the very file the job wrote (same size), and only while no live job reads or writes it. */
  private async deleteOutput(job: JobRow): Promise<boolean> {
    if (this.jobs.liveJobReading(job.output) || this.jobs.liveJobWriting(job.output)) return false;
    const resolved = await resolveInputPath(this.deps.mediaRoot, job.output);
    if (!resolved.ok) return false;
    const size = (job.result as { size_bytes?: number } | null)?.size_bytes;
    if (resolved.value.stats.size !== size) return false;
    await rm(resolved.value.absolute, { force: true });
    return true;
  }

  private pruneJobs(): number {
    if (this.deps.jobRetentionMs === 0) return 0;
    const cutoff = new Date(this.now() - this.deps.jobRetentionMs).toISOString();
    let pruned = 0;
    for (;;) {
      const ids = inTransaction(this.deps.db, () => {
        const batch = this.jobs.pruneEndedBefore(cutoff, BATCH);
        this.keys.forgetJobs(batch);
        return batch;
      });
      pruned += ids.length;
      if (ids.length < BATCH) return pruned;
    }
  }

  private now(): number {
    return (this.deps.now?.() ?? new Date()).getTime();
  }
}

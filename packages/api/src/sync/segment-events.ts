import type { JobError } from "@converter/shared/jobs";
import { decodeFailure, JobProgress, type SegmentRef } from "@converter/shared/queue";
import type { Job } from "bullmq";
import type { ConversionQueue } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";
import type { SegmentStore } from "../store/segment-store.js";
import { attemptOf, parseReturnValue } from "./job-state-sync.js";

/**
 * A segmented job's children in SQLite (ADR 0026): each child's transitions
 * go into its entry of the job's `segments`, and the job itself shows in
 * progress from the moment its first child runs. The children are not jobs
 * of their own: they have no row.
 */
export class SegmentEvents {
  constructor(
    private readonly store: JobStore,
    private readonly segments: SegmentStore,
    /** The queue of a BullMQ queue name, for reading a failed child named in its parent's failure. */
    private readonly queueNamed: (name: string) => ConversionQueue | undefined,
  ) {}

  active(parent: string, ref: SegmentRef, job: Job | undefined): void {
    this.segments.updateChild(parent, ref, {
      status: "in_progress",
      worker: job?.processedBy ?? undefined,
      attempts: job ? attemptOf(job) : undefined,
    });
    // The job runs once any of its children does; its attempts stay the join's.
    this.store.markActive(parent, new Date(job?.processedOn ?? Date.now()).toISOString(), 1);
  }

  progress(parent: string, ref: SegmentRef, data: unknown): void {
    const parsed = JobProgress.safeParse(data);
    if (parsed.success) this.segments.childProgress(parent, ref, parsed.data);
  }

  completed(parent: string, ref: SegmentRef, returnValue: unknown): void {
    const parsed = parseReturnValue(returnValue);
    this.segments.updateChild(parent, ref, {
      status: "completed",
      worker: parsed.success ? parsed.data.worker : undefined,
    });
  }

  failed(parent: string, ref: SegmentRef): void {
    this.segments.updateChild(parent, ref, { status: "failed" });
  }

  /** The job ended without joining (failed, cancelled, removed): children that had not ended never will. */
  parentEnded(parent: string): void {
    const view = this.segments.read(parent);
    for (const child of view?.children ?? []) {
      if (child.status === "queued" || child.status === "in_progress") {
        const ref: SegmentRef = { kind: child.kind, index: child.index };
        this.segments.updateChild(parent, ref, { status: "cancelled" });
      }
    }
  }

  queued(parent: string, ref: SegmentRef): void {
    this.segments.updateChild(parent, ref, { status: "queued" });
  }

  /**
   * A parent BullMQ failed because a child did ("child bull:<queue>:<id>
   * failed"): the child's own failure, so a cancel reads as cancelled and
   * bad media as invalid_media. Anything else as it is.
   */
  async parentFailure(failedReason: string | undefined): Promise<JobError> {
    const decoded = decodeFailure(failedReason);
    const match = /^child bull:(.+):([^:]+) failed$/.exec(failedReason ?? "");
    if (!match?.[1] || !match[2]) return decoded;
    const child = await this.queueNamed(match[1])
      ?.getJob(match[2])
      .catch(() => undefined);
    if (!child?.failedReason) return decoded;
    const failure = decodeFailure(child.failedReason);
    return { code: failure.code, message: `segment ${match[2]}: ${failure.message}` };
  }
}

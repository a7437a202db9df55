import { type SegmentChild, SegmentsView as SegmentsSchema, type SegmentsView } from "@converter/shared/jobs";
import {
  type JobProgress,
  type SegmentPlan,
  type SegmentRef,
  segmentChildId,
  segmentRefs,
} from "@converter/shared/queue";
import { eq } from "drizzle-orm";
import type { Db } from "./db.js";
import type { JobStore } from "./job-store.js";
import { jobs } from "./schema.js";

/** The audio child counts for this share of its duration in the job's progress: it encodes far faster than video. */
const AUDIO_WEIGHT = 0.1;

/** What changed of one child. */
export type ChildChange = Partial<Pick<SegmentChild, "status" | "progress" | "worker" | "attempts">>;

/**
 * The only writer of a segmented job's `segments` column (its children as
 * the job shows them; ADR 0026). Each child's event updates its entry, and
 * the job's own progress becomes the duration-weighted sum of its children's,
 * written through JobStore under the shared progress rules.
 */
export class SegmentStore {
  constructor(
    private readonly db: Db,
    private readonly jobStore: JobStore,
  ) {}

  /** The children of a new segmented job, all queued. */
  static initialView(jobId: string, plan: SegmentPlan): SegmentsView {
    return {
      length_seconds: plan.length_seconds,
      reason: plan.reason,
      expected_frames: plan.expected_frames,
      children: segmentRefs(plan).map((ref) => {
        const segment = ref.kind === "video" ? plan.video[ref.index ?? 0] : undefined;
        const first = plan.video[0];
        const last = plan.video.at(-1);
        return {
          id: segmentChildId(jobId, ref),
          kind: ref.kind,
          index: ref.index,
          start: segment?.start ?? first?.start ?? 0,
          end: segment?.end ?? last?.end ?? 0,
          status: "queued",
          progress: 0,
          worker: null,
          attempts: 0,
        };
      }),
    };
  }

  /** Back to every child queued: a segmented job queued again as a whole. */
  reset(jobId: string, plan: SegmentPlan): void {
    this.write(jobId, SegmentStore.initialView(jobId, plan));
  }

  read(jobId: string): SegmentsView | undefined {
    const row = this.db.select({ segments: jobs.segments }).from(jobs).where(eq(jobs.id, jobId)).get();
    const parsed = SegmentsSchema.safeParse(row?.segments);
    return parsed.success ? parsed.data : undefined;
  }

  /** Records what changed of one child; a child of a job without segments (or gone) is ignored. */
  updateChild(jobId: string, ref: SegmentRef, change: ChildChange): SegmentsView | undefined {
    const view = this.read(jobId);
    if (!view) return undefined;
    const id = segmentChildId(jobId, ref);
    const children = view.children.map((child) => {
      if (child.id !== id) return child;
      const next = { ...child, ...definedOnly(change) };
      if (next.status === "completed") next.progress = 100;
      return next;
    });
    const updated = { ...view, children };
    this.write(jobId, updated);
    return updated;
  }

  /** A child's progress report: its entry, then the job's progress from all of them. */
  childProgress(jobId: string, ref: SegmentRef, p: JobProgress): void {
    const view = this.updateChild(jobId, ref, { status: "in_progress", progress: p.percent, worker: p.worker });
    if (!view) return;
    this.jobStore.updateProgress(jobId, {
      ...p,
      percent: overallPercent(view),
      // A child's rate and time left are its own, not the job's.
      fps: null,
      speed: null,
      eta_seconds: null,
    });
  }

  private write(jobId: string, view: SegmentsView): void {
    this.db.update(jobs).set({ segments: view }).where(eq(jobs.id, jobId)).run();
    this.jobStore.announce(jobId);
  }
}

/** The job's percentage: each child's, weighted by the span it encodes (the audio at AUDIO_WEIGHT). */
export function overallPercent(view: SegmentsView): number {
  let done = 0;
  let total = 0;
  for (const child of view.children) {
    const weight = (child.end - child.start) * (child.kind === "audio" ? AUDIO_WEIGHT : 1);
    done += weight * child.progress;
    total += weight;
  }
  return total > 0 ? done / total : 0;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import type { JobView } from "@converter/shared/jobs";
import type { Histogram } from "prom-client";

const REMEMBERED_RUNS = 10_000;

/**
 * Observes each completed run once into the duration and encode-speed
 * histograms (docs/adr/0018-metrics.md): the API records every completion
 * from the job events, so it measures jobs from that record, labelled by
 * the encoder that ran and the preset. Told of every terminal transition
 * like the webhook dispatcher, possibly more than once per run (the
 * reconciler), hence the memory of runs seen.
 */
export class JobMetrics {
  private readonly seen = new Set<string>();

  constructor(
    private readonly read: (jobId: string) => JobView | undefined,
    private readonly duration: Histogram<"encoder" | "preset">,
    private readonly speed: Histogram<"encoder" | "preset">,
  ) {}

  async jobFinished(jobId: string): Promise<void> {
    const job = this.read(jobId);
    if (job?.status !== "completed" || !job.started_at || !job.finished_at) return;
    const run = `${jobId}:${job.retries}`;
    if (this.seen.has(run)) return;
    this.remember(run);
    const seconds = (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000;
    if (!(seconds >= 0)) return;
    const labels = { encoder: job.encoder ?? "none", preset: job.preset };
    this.duration.observe(labels, seconds);
    const media = job.result?.duration_seconds;
    if (media && seconds > 0) this.speed.observe(labels, media / seconds);
  }

  private remember(run: string): void {
    this.seen.add(run);
    if (this.seen.size > REMEMBERED_RUNS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

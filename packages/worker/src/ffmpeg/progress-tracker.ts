import { advancedPercent, type ResolvedOptions, shownPercent } from "@converter/shared/jobs";
import type { ProgressSample } from "./progress-parser.js";

export type ProgressReport = {
  percent: number;
  fps: number | null;
  speed: number | null;
  eta_seconds: number | null;
};

/**
 * Turns samples into what the job reports: percent of the (trimmed) duration
 * under the shared progress rules (never down, never 100 before the job
 * completed), and at most one report per interval so a fast encode does not
 * flood Redis.
 */
export class ProgressTracker {
  private percent = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;

  constructor(
    private durationSeconds: number | null,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The duration becomes known once the input is probed, which runs alongside ffmpeg. */
  setDuration(seconds: number | null): void {
    this.durationSeconds = seconds;
  }

  /** The report to send for this sample, or undefined when it is too soon. */
  next(sample: ProgressSample): ProgressReport | undefined {
    if (this.durationSeconds && this.durationSeconds > 0 && sample.outTimeSeconds !== null) {
      this.percent = advancedPercent(this.percent, (sample.outTimeSeconds / this.durationSeconds) * 100);
    }
    const at = this.now();
    if (at - this.lastReportAt < this.intervalMs) return undefined;
    this.lastReportAt = at;
    return this.current(sample);
  }

  private current(sample: ProgressSample): ProgressReport {
    let eta: number | null = null;
    if (this.durationSeconds && sample.outTimeSeconds !== null && sample.speed && sample.speed > 0) {
      eta = Math.max(0, Math.round((this.durationSeconds - sample.outTimeSeconds) / sample.speed));
    }
    return {
      percent: shownPercent(this.percent),
      fps: sample.fps,
      speed: sample.speed,
      eta_seconds: eta,
    };
  }
}

/** Seconds of output the job will write: the input after `start`, capped by `duration`. */
export function expectedDuration(
  inputSeconds: number | null,
  o: Pick<ResolvedOptions, "start" | "duration">,
): number | null {
  const remaining = inputSeconds !== null ? Math.max(0, inputSeconds - (o.start ?? 0)) : null;
  if (o.duration === null) return remaining;
  return remaining !== null ? Math.min(o.duration, remaining) : o.duration;
}

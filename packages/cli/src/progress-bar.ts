import type { Job } from "@converter/client";
import { formatDuration } from "./format.js";

const WIDTH = 30;

/**
 * One line of a job's progress, to redraw in place:
 * `[###########-------------------]  37.5%  3.9x  ETA 0:06`.
 */
export function progressLine(job: Pick<Job, "status" | "progress" | "speed" | "eta_seconds">): string {
  if (job.status === "queued") return "queued, waiting for a worker…";
  const percent = Math.min(100, Math.max(0, job.progress));
  const filled = Math.round((percent / 100) * WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}]`;
  const speed = job.speed !== null ? `${job.speed.toFixed(1)}x` : "-";
  const eta = job.eta_seconds !== null ? `ETA ${formatDuration(job.eta_seconds)}` : "ETA -";
  return `${bar} ${percent.toFixed(1).padStart(5)}%  ${speed}  ${eta}`;
}

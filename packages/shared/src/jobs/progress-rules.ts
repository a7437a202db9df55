/**
 * How a job's progress moves (docs/design.md §1, job lifecycle): a number
 * 0–100 that never goes down, reaches 100 only when the job completed, and
 * is shown to a tenth. The worker applies these as it reports and the API
 * again as it records, so neither a late report nor a retried run can make
 * a job look further along, or less far, than it is.
 */

/** The most a job that has not completed may show. */
export const RUNNING_PROGRESS_CAP = 99.9;

/** A raw percentage as a running job may show it: within 0 and the cap. */
export function runningPercent(raw: number): number {
  return Math.min(RUNNING_PROGRESS_CAP, Math.max(0, raw));
}

/** The next progress of a running job: never below what it showed before. */
export function advancedPercent(previous: number, raw: number): number {
  return Math.max(previous, runningPercent(raw));
}

/** Progress as clients see it, to one decimal. */
export function shownPercent(percent: number): number {
  return Math.round(percent * 10) / 10;
}

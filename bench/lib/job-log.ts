// Lines the worker writes to a job's log (packages/worker/src/processors/convert-processor.ts),
// read back through GET /jobs/{id}/logs.

const STARTED = /^ffmpeg started at (\S+) \(pid \d+\)/;
const COMPLETED = /^completed in ([\d.]+) s:/;

/** Wall-clock time (ms since the epoch) at which the worker spawned ffmpeg; null when not logged. */
export function ffmpegStartedAt(logs: readonly string[]): number | null {
  for (const line of logs) {
    const time = Date.parse(STARTED.exec(line)?.[1] ?? "");
    if (Number.isFinite(time)) return time;
  }
  return null;
}

/** How long ffmpeg itself ran inside the worker, in seconds; null when not logged. */
export function workerFfmpegSeconds(logs: readonly string[]): number | null {
  for (const line of logs) {
    const match = COMPLETED.exec(line);
    if (match) return Number(match[1]);
  }
  return null;
}

import { jobLogEntry } from "@converter/shared/queue";

/** How long a line of ffmpeg's stderr may wait for others to share its Redis write. */
export const STDERR_BATCH_MS = 250;

/**
 * A job's log: `jobLog(line)` writes the line with whatever else was logged
 * in the same turn of the event loop; `jobLog.meanwhile(line)` (ffmpeg's
 * stderr, read while it runs) may wait up to STDERR_BATCH_MS for more lines,
 * or until the next `jobLog(line)`, which takes it along in order.
 */
export type JobLog = ((line: string) => Promise<unknown>) & { meanwhile(line: string): void };

/**
 * The job's log, written in batches: each batch goes to Redis as one entry
 * of several lines, one script call instead of one per line. A short job
 * logs about 70 lines; written one by one they were most of the worker's
 * Redis calls (docs/adr/0032-hot-paths-measured.md, "Third pass"). Batches
 * are written in order on the one connection; a line's promise settles once
 * its batch is written (or failed to be: the log is best effort, as before).
 */
export function batchedJobLog(job: { log(row: string): Promise<unknown> }): JobLog {
  let pending: string[] = [];
  let batch: Promise<unknown> | undefined;
  let release: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  function write(soon: boolean): Promise<unknown> {
    if (soon && timer) {
      clearTimeout(timer);
      timer = undefined;
      release?.();
    }
    batch ??= new Promise<void>((resolve) => {
      release = resolve;
      if (soon) setImmediate(resolve);
      else timer = setTimeout(resolve, STDERR_BATCH_MS);
    }).then(() => {
      const lines = pending;
      pending = [];
      batch = undefined;
      release = undefined;
      timer = undefined;
      return job.log(jobLogEntry(lines)).catch(() => undefined);
    });
    return batch;
  }

  const jobLog = (line: string) => {
    pending.push(line);
    return write(true);
  };
  jobLog.meanwhile = (line: string) => {
    pending.push(line);
    void write(false);
  };
  return jobLog;
}

import type { Dirent } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@converter/shared/logger";
import { jobIdOfTemporaryName } from "./lifecycle/temporary-files.js";

export type SweepReport = { scannedDirs: number; removed: string[]; kept: string[] };

/**
 * Removes temporary outputs left by runs that ended without cleaning up (a
 * worker killed mid-encode, a job failed by the stall limit and never run
 * again). A file is kept while some worker, on any node, holds its job's
 * lock (that run is still writing it), and while it was written less than
 * `minIdleMs` ago: a worker of another queue sharing the media root may be
 * writing it, and a live ffmpeg writes at least once per stall timeout.
 * Symlinked folders are not followed, so nothing outside the media root is
 * touched.
 */
export async function sweepTemporaryFiles(deps: {
  mediaRoot: string;
  isJobRunning: (jobId: string) => Promise<boolean>;
  minIdleMs: number;
  log: Logger;
  now?: () => number;
}): Promise<SweepReport> {
  const report: SweepReport = { scannedDirs: 0, removed: [], kept: [] };
  const pending = [deps.mediaRoot];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable: nothing of ours to remove there
    }
    report.scannedDirs += 1;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        pending.push(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const jobId = jobIdOfTemporaryName(entry.name);
      if (!jobId) continue;
      const shown = path.relative(deps.mediaRoot, full);
      const writtenAt = (await stat(full).catch(() => undefined))?.mtimeMs;
      if (writtenAt === undefined) continue; // gone meanwhile
      if ((deps.now?.() ?? Date.now()) - writtenAt < deps.minIdleMs || (await deps.isJobRunning(jobId))) {
        report.kept.push(shown);
        continue;
      }
      await rm(full, { force: true });
      report.removed.push(shown);
    }
  }
  if (report.removed.length > 0 || report.kept.length > 0) {
    deps.log.info(
      { removed: report.removed, kept: report.kept, scanned_dirs: report.scannedDirs },
      "removed temporary outputs of jobs no longer running",
    );
  }
  return report;
}

/** BullMQ's lock key of a job: it exists exactly while a worker runs the job. */
export function bullLockKey(queueName: string, jobId: string): string {
  return `bull:${queueName}:${jobId}:lock`;
}

/** BullMQ's set of a queue's parents waiting for their children (a segmented job, ADR 0026). */
export function bullWaitingChildrenKey(queueName: string): string {
  return `bull:${queueName}:waiting-children`;
}

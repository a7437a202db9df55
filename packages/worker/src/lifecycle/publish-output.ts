import type { Stats } from "node:fs";
import { link, rename } from "node:fs/promises";
import { CANCELLED_BY_CLIENT } from "@converter/shared/jobs";
import { fdPath } from "../media-files/descriptor-paths.js";
import { permanent, transient } from "./job-failure.js";
import type { RunningEncode } from "./plan-encode.js";
import { removeIn } from "./temporary-files.js";

/** What publishing needs of a run: a single-pass encode or a segmented job's join (ADR 0026). */
export type PublishedRun = Pick<RunningEncode, "job" | "data" | "token" | "files" | "tempName" | "encoder">;

/** How long the lock is extended while the finished file is published. */
const PUBLISH_LOCK_MS = 30_000;

/**
 * Step 6 of a run: move the verified file into place, if this run may. A
 * cancel that raced the end of the encode wins; a run that no longer holds
 * the job (paused past its lock while another worker took over) must not
 * overwrite the other run's work.
 */
export async function publishOutput(
  plan: PublishedRun,
  tempFile: Stats,
  isCancelRequested: (jobId: string) => Promise<boolean>,
): Promise<void> {
  const { job, data } = plan;
  if (await isCancelRequested(data.job_id)) throw permanent(CANCELLED_BY_CLIENT.code, CANCELLED_BY_CLIENT.message);
  // BullMQ's extendLock answers 0, without throwing, when the lock is no
  // longer this run's (it expired while the worker or Redis was away).
  if (plan.token) {
    const held = await job.extendLock(plan.token, PUBLISH_LOCK_MS).catch(() => 0);
    if (held !== 1) {
      throw transient("worker_error", "another worker took the job over; this run's output was discarded");
    }
  }
  // Remembered before the file is published (link and rename keep its inode),
  // so that a run after a crash between the publish and BullMQ's completion
  // recognises the file as this job's own instead of failing on it.
  try {
    await job.updateData({ ...data, published: { ino: tempFile.ino, size: tempFile.size, encoder: plan.encoder } });
  } catch {
    throw transient("worker_error", "could not record the output before publishing it; the job will be retried");
  }
  await moveIntoPlace(plan, data.overwrite, data.output);
}

/**
 * Atomic publish of the finished file, inside the output's folder as the
 * worker opened it (by its descriptor: the folder cannot be swapped under
 * the publish). Without overwrite, link() fails if the target appeared
 * meanwhile, so an existing file is never replaced.
 */
async function moveIntoPlace(plan: PublishedRun, overwrite: boolean, shownAs: string): Promise<void> {
  const dir = plan.files.outputDir;
  const temp = fdPath(dir.fd, plan.tempName);
  const target = fdPath(dir.fd, plan.files.targetName);
  if (overwrite) {
    await rename(temp, target);
    return;
  }
  try {
    await link(temp, target);
  } catch (error) {
    await removeIn(dir, plan.tempName);
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw permanent("output_exists", `${shownAs} appeared while the job ran; it was left untouched`);
    }
    throw error;
  }
  await removeIn(dir, plan.tempName);
}

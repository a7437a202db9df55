import { readdir } from "node:fs/promises";
import path from "node:path";
import { type ConvertJobReturn, segmentPrefix } from "@converter/shared/queue";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { PermanentFailure, permanent } from "../lifecycle/job-failure.js";
import { removeIn, TEMP_SUFFIX } from "../lifecycle/temporary-files.js";
import { fdPath } from "../media-files/descriptor-paths.js";
import { openDirectoryBeneath } from "../media-files/open-beneath.js";

type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<ConvertJobReturn>;

/**
 * A child of a segmented job (ADR 0026) is converted like any job, into its
 * part's file. Two things more: a child whose parent already failed (a
 * sibling failed for good, or the job was cancelled) is not encoded at all,
 * and a child that fails for good removes every part of its job, since the
 * join that would have removed them never comes.
 */
export function createChildProcessor(deps: { connection: Redis; mediaRoot: string }, convert: Processor): Processor {
  return async (job, token, signal) => {
    if (await parentEnded(deps.connection, job)) {
      await removeParts(deps.mediaRoot, job.data).catch(() => undefined);
      throw permanent(
        "cancelled",
        "another part of the segmented job failed or it was cancelled: this part was not encoded",
      );
    }
    try {
      return await convert(job, token, signal);
    } catch (error) {
      if (error instanceof PermanentFailure) await removeParts(deps.mediaRoot, job.data).catch(() => undefined);
      throw error;
    }
  };
}

/** A child's parent has failed, or BullMQ marked it to fail when a worker next takes it (a child failed for good). */
async function parentEnded(connection: Redis, job: Job): Promise<boolean> {
  const parent = job.parent;
  if (!parent?.id) return false;
  const [deferred, failed] = await Promise.all([
    connection.hget(`${parent.queueKey}:${parent.id}`, "defa"),
    connection.zscore(`${parent.queueKey}:failed`, parent.id),
  ]);
  return deferred !== null || failed !== null;
}

/** Removes the parts of a segmented job (segmentPrefix, then `*.partial`) from its output folder. */
async function removeParts(mediaRoot: string, data: { job_id?: unknown; output?: unknown }): Promise<void> {
  if (typeof data.job_id !== "string" || typeof data.output !== "string") return;
  const dir = await openDirectoryBeneath(mediaRoot, path.posix.dirname(data.output), { create: false });
  try {
    const prefix = segmentPrefix(data.job_id);
    const names = await readdir(fdPath(dir.fd));
    await Promise.all(
      names.filter((name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)).map((name) => removeIn(dir, name)),
    );
  } finally {
    await dir.close();
  }
}

/** A child of a segmented job: it names its part. */
export function isSegmentChild(job: Job): boolean {
  return (job.data as { segment?: unknown } | undefined)?.segment !== undefined;
}

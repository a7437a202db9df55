import type { FileHandle } from "node:fs/promises";
import { readdir, unlink } from "node:fs/promises";
import { cutToBytes } from "@converter/shared/media-path";
import { fdPath } from "../media-files/descriptor-paths.js";

export const TEMP_SUFFIX = ".partial";

/**
 * The temporary name ffmpeg writes to, beside the target so the final rename
 * stays on one filesystem. Dot-prefixed and tagged with the job id and the
 * run, so it never collides with a real output, two runs of one job never
 * share it, and a cleanup can recognise every run's file.
 */
export function temporaryName(targetName: string, jobId: string, runId: string): string {
  return `${temporaryPrefix(targetName, jobId)}${runId.slice(0, MAX_RUN_ID_BYTES)}${TEMP_SUFFIX}`;
}

/**
 * What every temporary file of this job and target starts with, in the
 * target's folder. The tags take 55 bytes (".", ".", the job id, ".", a run
 * id of up to 8, ".partial"), and a name may have 255 (NAME_MAX): a target
 * name over 200 bytes is cut to fit, on a character boundary. The job id
 * keeps two jobs' names apart, so the cut part is never needed to tell them.
 */
export function temporaryPrefix(targetName: string, jobId: string): string {
  return `.${cutToBytes(targetName, NAME_MAX - TAGS_BYTES)}.${jobId}.`;
}

const NAME_MAX = 255;
const MAX_RUN_ID_BYTES = 8;
const TAGS_BYTES = ".".length * 3 + 36 + MAX_RUN_ID_BYTES + TEMP_SUFFIX.length;

const TEMPORARY_NAME =
  /^\..+\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9-]{1,36}\.partial$/;

/** The job id in a temporary output's file name, or undefined when the name is not one of ours. */
export function jobIdOfTemporaryName(name: string): string | undefined {
  return TEMPORARY_NAME.exec(name)?.[1];
}

/** Removes every temporary file of this job in the target's folder (this run's and earlier runs'). */
export async function removeTemporaryFiles(dir: FileHandle, targetName: string, jobId: string): Promise<void> {
  const prefix = temporaryPrefix(targetName, jobId);
  const names = await readdir(fdPath(dir.fd)).catch(() => [] as string[]);
  await Promise.all(
    names.filter((name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)).map((name) => removeIn(dir, name)),
  );
}

/** Removes one name from an opened folder; a name already gone is fine. */
export async function removeIn(dir: FileHandle, name: string): Promise<void> {
  await unlink(fdPath(dir.fd, name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

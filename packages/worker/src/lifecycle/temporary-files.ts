import { readdir, rm } from "node:fs/promises";
import path from "node:path";

export const TEMP_SUFFIX = ".partial";

/**
 * The temporary name ffmpeg writes to, beside the target so the final rename
 * stays on one filesystem. Dot-prefixed and tagged with the job id and the
 * run, so it never collides with a real output, two runs of one job never
 * share it, and a cleanup can recognise every run's file.
 */
export function temporaryOutputPath(target: string, jobId: string, runId: string): string {
  return path.join(path.dirname(target), `${temporaryPrefix(target, jobId)}${runId}${TEMP_SUFFIX}`);
}

/** What every temporary file of this job and target starts with, in the target's folder. */
export function temporaryPrefix(target: string, jobId: string): string {
  return `.${path.basename(target)}.${jobId}.`;
}

const TEMPORARY_NAME =
  /^\..+\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9-]{1,36}\.partial$/;

/** The job id in a temporary output's file name, or undefined when the name is not one of ours. */
export function jobIdOfTemporaryName(name: string): string | undefined {
  return TEMPORARY_NAME.exec(name)?.[1];
}

/** Removes every temporary file of this job beside the target (this run's and earlier runs'). */
export async function removeTemporaryFiles(targetPath: string, jobId: string): Promise<void> {
  const dir = path.dirname(targetPath);
  const prefix = temporaryPrefix(targetPath, jobId);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX))
      .map((name) => rm(path.join(dir, name), { force: true })),
  );
}

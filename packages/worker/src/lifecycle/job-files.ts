import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { lstat } from "node:fs/promises";
import path from "node:path";
import { fdPath } from "../media-files/descriptor-paths.js";
import { openDirectoryBeneath, openFileBeneath } from "../media-files/open-beneath.js";
import { fileFailure } from "./file-failure.js";
import { permanent } from "./job-failure.js";

/**
 * The files of one job, opened by the worker itself below the media root
 * (docs/adr/0020-media-files-by-descriptor.md): the input, and the folder the
 * output goes into. ffmpeg and ffprobe get descriptors, and every later step
 * names the output's files relative to the folder's descriptor, so no name
 * anyone renames or swaps afterwards can lead them outside the root.
 */
export type JobFiles = {
  input: FileHandle;
  outputDir: FileHandle;
  /** The output's file name inside outputDir. */
  targetName: string;
  close(): Promise<void>;
};

/**
 * Opens the input (a regular file, no symlink on the way) and the output's
 * folder (created if missing), from the real paths the job's paths resolved
 * to. A name that became a symlink, or a file that turned out to be outside
 * the root, since those paths were checked fails the job as invalid_path.
 */
export async function openJobFiles(
  mediaRoot: string,
  real: { input: string; target: string },
  shown: { input: string; output: string },
): Promise<JobFiles> {
  const input = await openFileBeneath(mediaRoot, path.relative(mediaRoot, real.input)).catch((error) => {
    throw swapped(error, "input", shown.input);
  });
  try {
    const outputDir = await openDirectoryBeneath(mediaRoot, path.relative(mediaRoot, path.dirname(real.target)), {
      create: true,
    }).catch((error) => {
      throw swapped(error, "output", shown.output);
    });
    return {
      input,
      outputDir,
      targetName: path.basename(real.target),
      async close() {
        await Promise.all([input.close(), outputDir.close()]);
      },
    };
  } catch (error) {
    await input.close();
    throw error;
  }
}

/** What the output's folder holds under the output's name (a file, a folder, a symlink), or undefined. */
export async function targetStat(files: JobFiles): Promise<Stats | undefined> {
  return lstat(fdPath(files.outputDir.fd, files.targetName)).catch(() => undefined);
}

/**
 * The output names the very file the job reads (the same path, or a hard
 * link to it): converting onto it would replace the input with a file made
 * from it. The API refuses the same path at submit; the queue is not trusted.
 */
export async function outputIsInput(files: JobFiles, target: Stats | undefined): Promise<boolean> {
  if (!target) return false;
  const input = await files.input.stat();
  return target.ino === input.ino && target.dev === input.dev;
}

/** The errors that mean the path changed under the job since it was checked; anything else is not ours to judge. */
function swapped(error: unknown, field: "input" | "output", shown: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOTDIR" || code === "ELOOP" || code === "EXDEV") {
    return permanent(
      "invalid_path",
      `${shown} changed while the job started: a name on its way is now a symlink or leads outside the media root`,
    );
  }
  if (code === "EINVAL" && field === "input") return permanent("invalid_path", `${shown} is not a regular file`);
  if (code === "ENOENT" && field === "input") {
    return permanent("input_not_found", `${shown} no longer exists under the media root`);
  }
  return fileFailure(error, shown) ?? error;
}

import type { FileHandle } from "node:fs/promises";
import { statfs } from "node:fs/promises";
import type { ResolvedOptions } from "@converter/shared/jobs";
import { fdPath } from "../media-files/descriptor-paths.js";
import { type TransientFailure, transient } from "./job-failure.js";

/**
 * Below this much free space no encode is started: a muxer's header, its
 * first buffers and MP4's index alone take that much, so the run could only
 * end in ENOSPC.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/** A full disk fails the attempt and retries it (space may be freed meanwhile); the client may retry it later too. */
export function diskFull(output: string, detail: string): TransientFailure {
  return transient("disk_full", `the disk where ${output} is written is full: ${detail}`);
}

/** Bytes an unprivileged writer may still use on the output folder's filesystem, or undefined when it cannot be told. */
export async function freeBytes(dir: FileHandle): Promise<number | undefined> {
  const fs = await statfs(fdPath(dir.fd)).catch(() => undefined);
  return fs ? fs.bavail * fs.bsize : undefined;
}

/**
 * The least room an output plainly needs: a copied video stream is most of
 * the input (half of it is a safe lower bound); anything else at least
 * MIN_FREE_BYTES. A guess only ever refuses what could not fit; the checks
 * after the encode catch the rest.
 */
export function plainlyNeededBytes(inputBytes: number, options: Pick<ResolvedOptions, "video_codec">): number {
  return options.video_codec === "copy" ? Math.max(MIN_FREE_BYTES, Math.floor(inputBytes / 2)) : MIN_FREE_BYTES;
}

/** Refuses to start an encode whose output plainly cannot fit where it goes. */
export async function refuseWhenPlainlyFull(
  files: { input: FileHandle; outputDir: FileHandle },
  options: Pick<ResolvedOptions, "video_codec">,
  output: string,
): Promise<void> {
  const free = await freeBytes(files.outputDir);
  if (free === undefined) return;
  const needed = plainlyNeededBytes((await files.input.stat()).size, options);
  if (free < needed) {
    throw diskFull(output, `${free} bytes are free, and this job needs at least ${needed} to start`);
  }
}

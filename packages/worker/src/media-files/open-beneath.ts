import { constants } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import path from "node:path";
import { currentPathOf, fdPath, fsError, isWithin } from "./descriptor-paths.js";

const { O_RDONLY, O_WRONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_CREAT, O_EXCL } = constants;
// libuv opens every descriptor close-on-exec; spawn's dup2 into a child's fd 3 or 4 clears that for the child alone.
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/**
 * Opens a folder below the media root one name at a time, each name opened
 * relative to the descriptor of the folder before it and never through a
 * symlink (O_NOFOLLOW), then checks where the kernel says the folder is:
 * what comes back is a folder that was inside the root when it was opened,
 * whatever anyone renames or swaps meanwhile (openat2's RESOLVE_BENEATH, by
 * hand, because Node has no openat). With `create`, missing folders are made
 * on the way, each inside the folder just opened.
 *
 * Throws the filesystem's error: ENOTDIR (Linux's answer to O_DIRECTORY |
 * O_NOFOLLOW on a symlink) or ELOOP when a name on the way is a symlink (one
 * swapped in since the path was checked) or not a folder, ENOENT, and EXDEV
 * when the folder turned out to be outside the root.
 */
export async function openDirectoryBeneath(
  root: string,
  relativeDir: string,
  options: { create: boolean },
): Promise<FileHandle> {
  // The root is this worker's own setting, resolved at start (realMediaRoot); below it nothing is followed.
  let current = await open(root, O_RDONLY | O_DIRECTORY);
  try {
    for (const name of segments(relativeDir)) {
      const child = fdPath(current.fd, name);
      if (options.create) {
        await mkdir(child).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        });
      }
      const next = await open(child, DIRECTORY_FLAGS);
      await current.close();
      current = next;
    }
    await checkWithin(root, current);
    return current;
  } catch (error) {
    await current.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Opens a regular file below the media root for reading the same way (no
 * symlink anywhere on the way, the last name included), and checks that it
 * is a regular file inside the root. O_NONBLOCK: a FIFO swapped in opens at
 * once (and is then refused) instead of blocking the worker.
 */
export async function openFileBeneath(root: string, relativeFile: string): Promise<FileHandle> {
  const dir = await openDirectoryBeneath(root, path.posix.dirname(relativeFile), { create: false });
  let file: FileHandle | undefined;
  try {
    file = await open(fdPath(dir.fd, path.posix.basename(relativeFile)), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (!(await file.stat()).isFile()) throw fsError("EINVAL", `${relativeFile} is not a regular file`);
    await checkWithin(root, file);
    return file;
  } catch (error) {
    await file?.close().catch(() => undefined);
    throw error;
  } finally {
    await dir.close();
  }
}

/**
 * Creates a new file in an opened folder, for writing: O_EXCL (never an
 * existing file, never through a symlink) with the usual 0666 less umask.
 */
export async function createFileIn(dir: FileHandle, name: string): Promise<FileHandle> {
  return open(fdPath(dir.fd, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
}

/** Opens an existing regular file of an opened folder for reading, never through a symlink. */
export async function openFileIn(dir: FileHandle, name: string): Promise<FileHandle> {
  const file = await open(fdPath(dir.fd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (!(await file.stat()).isFile()) {
    await file.close();
    throw fsError("EINVAL", `${name} is not a regular file`);
  }
  return file;
}

async function checkWithin(root: string, handle: FileHandle): Promise<void> {
  const where = await currentPathOf(handle.fd);
  if (!isWithin(root, where)) throw fsError("EXDEV", "the path led outside the media root");
}

/** "a/b/c" → ["a","b","c"]; "." and "" → []. The path was checked (no "..", relative) before it got here. */
function segments(relative: string): string[] {
  return relative.split("/").filter((name) => name !== "" && name !== ".");
}

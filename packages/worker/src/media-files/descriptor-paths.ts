import { open, readlink } from "node:fs/promises";
import path from "node:path";

/**
 * `/proc/self/fd/<fd>` (and a name inside it, for a folder's descriptor):
 * a path the kernel resolves through the descriptor itself, not through the
 * names that led to it, so what it names cannot be swapped by renaming or
 * symlinking any folder on the way (docs/adr/0020-media-files-by-descriptor.md).
 * A child process given the descriptor reopens the very same file through
 * `/dev/fd/<n>`, its own number for it.
 */
export function fdPath(fd: number, name?: string): string {
  if (name !== undefined && (name === "" || name === "." || name === ".." || name.includes("/"))) {
    throw new Error(`not a single name: ${JSON.stringify(name)}`);
  }
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** Where the file or folder behind a descriptor is now, as the kernel names it. */
export async function currentPathOf(fd: number): Promise<string> {
  return readlink(fdPath(fd));
}

/** `candidate` is `root` itself or lies below it (both real, absolute paths). */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** An error with an errno-style code, so callers treat it like the filesystem's own. */
export function fsError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Whether this machine names descriptors the way the worker relies on
 * (Linux with /proc mounted, as in any container): the media root opened by
 * descriptor reads back as itself. Checked once at start.
 */
export async function descriptorPathsWork(mediaRoot: string): Promise<boolean> {
  try {
    const root = await open(mediaRoot, "r");
    try {
      return (await currentPathOf(root.fd)) === mediaRoot;
    } finally {
      await root.close();
    }
  } catch {
    return false;
  }
}

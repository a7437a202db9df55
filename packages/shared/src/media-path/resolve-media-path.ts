import type { Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { AppError, err, ok, type Result } from "../errors.js";

export type ResolvedMediaPath = {
  /** Absolute real path on this machine (symlinks followed). */
  absolute: string;
  /** Normalised path relative to MEDIA_ROOT, as shown to clients. */
  relative: string;
};

const MAX_NAME_BYTES = 255;

const invalid = (field: string, message: string) => err(new AppError("invalid_path", message, { field }));

/**
 * Checks the shape of a client-supplied path before anything touches the
 * filesystem: relative, no `..`, no NUL or control characters.
 */
export function checkRelativePath(userPath: string, field: string): Result<string> {
  if (userPath.length === 0) return invalid(field, `${field} must not be empty`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(userPath)) return invalid(field, `${field} contains control characters`);
  if (path.posix.isAbsolute(userPath) || userPath.startsWith("\\") || /^[A-Za-z]:/.test(userPath)) {
    return invalid(field, `${field} must be relative to the media root, not absolute`);
  }
  const segments = userPath.split(/[/\\]/);
  if (segments.includes("..")) return invalid(field, `${field} must not contain '..'`);
  // NAME_MAX on Linux filesystems: checked here because a missing parent folder
  // would otherwise hide it until the worker tries to create the file.
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES)) {
    return invalid(field, `${field} has a file or folder name longer than ${MAX_NAME_BYTES} bytes`);
  }
  const normalised = path.posix.normalize(userPath.replaceAll("\\", "/"));
  if (normalised === "." || normalised.endsWith("/")) return invalid(field, `${field} must name a file`);
  return ok(normalised);
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // "..name" is a file inside; only ".." itself or "../…" leave the root.
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Filesystem refusals that are the request's fault or the path's state, not
 * the server's: a 422 (or a permanent job failure), never a 500 or a retry.
 */
const PATH_ERRNO_MESSAGES: Record<string, string> = {
  ENAMETOOLONG: "is too long for the filesystem",
  ELOOP: "is a symlink loop",
  EACCES: "cannot be accessed by the service",
  EPERM: "cannot be accessed by the service",
  ENOTDIR: "goes through something that is not a folder",
  EINVAL: "is not a valid path",
};

function pathErrnoProblem(cause: unknown, field: string, shown: string) {
  const message = PATH_ERRNO_MESSAGES[(cause as NodeJS.ErrnoException).code ?? ""];
  if (message) return invalid(field, `${shown} ${message}`);
  throw cause;
}

/** Real path of MEDIA_ROOT; callers resolve it once and pass it in. */
export async function realMediaRoot(mediaRoot: string): Promise<string> {
  return realpath(path.resolve(mediaRoot));
}

/**
 * An existing input file under the media root. Symlinks are followed and the
 * target must still be inside the root and be a regular file.
 */
export async function resolveInputPath(
  root: string,
  userPath: string,
): Promise<Result<ResolvedMediaPath & { stats: Stats }>> {
  const checked = checkRelativePath(userPath, "input");
  if (!checked.ok) return checked;
  const candidate = path.join(root, checked.value);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return err(
        new AppError("input_not_found", `${checked.value} does not exist under the media root`, { field: "input" }),
      );
    }
    return pathErrnoProblem(cause, "input", checked.value);
  }
  if (!isInside(root, real)) return invalid("input", `${checked.value} resolves outside the media root`);
  let info: Stats;
  try {
    info = await stat(real);
  } catch (cause) {
    return pathErrnoProblem(cause, "input", checked.value);
  }
  if (!info.isFile()) return invalid("input", `${checked.value} is not a regular file`);
  // What the check read: callers take the size, inode and times from it instead of a stat of their own.
  return ok({ absolute: real, relative: checked.value, stats: info });
}

/**
 * An output path under the media root: the nearest existing ancestor must
 * resolve inside the root, and an existing target must be a regular file
 * (or a symlink to one inside the root). The file itself need not exist.
 */
export async function resolveOutputPath(
  root: string,
  userPath: string,
): Promise<Result<ResolvedMediaPath & { exists: boolean }>> {
  const checked = checkRelativePath(userPath, "output");
  if (!checked.ok) return checked;
  const candidate = path.join(root, checked.value);

  let existing: Stats | undefined;
  try {
    existing = await lstat(candidate);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") return pathErrnoProblem(cause, "output", checked.value);
  }
  if (existing) {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return invalid("output", `${checked.value} is a dangling or looping symlink`);
    }
    if (!isInside(root, real)) return invalid("output", `${checked.value} resolves outside the media root`);
    if (!(await stat(real)).isFile()) return invalid("output", `${checked.value} exists and is not a regular file`);
    return ok({ absolute: real, relative: checked.value, exists: true });
  }

  let ancestor: { dir: string; info: Stats };
  let realAncestor: string;
  try {
    ancestor = await nearestExistingAncestor(path.dirname(candidate));
    // The root is real already (callers pass realMediaRoot's answer): one realpath fewer per new folder.
    realAncestor = ancestor.dir === root ? root : await realpath(ancestor.dir);
  } catch (cause) {
    // A dangling symlink on the way realpath()s to ENOENT: the folder cannot be made.
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") {
      return invalid("output", `${checked.value} goes through a dangling symlink`);
    }
    return pathErrnoProblem(cause, "output", checked.value);
  }
  if (realAncestor !== root && !isInside(root, realAncestor)) {
    return invalid("output", `${checked.value} resolves outside the media root`);
  }
  // lstat saw a folder itself (not a link): its real path is that folder, no second look needed.
  const isFolder = ancestor.info.isSymbolicLink()
    ? (await stat(realAncestor)).isDirectory()
    : ancestor.info.isDirectory();
  if (!isFolder) {
    return invalid("output", `${checked.value} goes through something that is not a folder`);
  }
  const absolute = path.join(realAncestor, path.relative(ancestor.dir, candidate));
  return ok({ absolute, relative: checked.value, exists: false });
}

/** The closest folder on the way up that exists, with what lstat said of it; only "does not exist" moves up, other errors are thrown. */
async function nearestExistingAncestor(dir: string): Promise<{ dir: string; info: Stats }> {
  let current = dir;
  for (;;) {
    try {
      return { dir: current, info: await lstat(current) };
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
      const parent = path.dirname(current);
      if (parent === current) throw cause;
      current = parent;
    }
  }
}

/** Where POST /uploads stores a file: `uploads/<upload_id>/<name>` (docs/adr/0021-files-over-http.md). */
export const UPLOADS_DIR = "uploads";
const UPLOADED_FILE = /^uploads\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/[^/]+$/;

/**
 * `incoming/movie.mkv` + mp4 → `converted/movie.mp4` (docs/design.md §3.3).
 * An uploaded file keeps its upload's folder, `uploads/<id>/movie.mkv` →
 * `converted/<id>/movie.mp4`, so two clients who upload `movie.mkv` do not
 * compete for one output.
 */
export function defaultOutputPath(input: string, extension: string): string {
  const stem = path.posix.basename(input).replace(/\.[^.]*$/, "") || "output";
  const upload = UPLOADED_FILE.exec(input)?.[1];
  return upload ? `converted/${upload}/${stem}.${extension}` : `converted/${stem}.${extension}`;
}

/** The longest start of text that fits in maxBytes of UTF-8, never splitting a character (NAME_MAX is in bytes). */
export function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let cut = "";
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    cut += char;
  }
  return cut;
}

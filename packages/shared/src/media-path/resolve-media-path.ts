import { lstat, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { AppError, err, ok, type Result } from "../errors.js";

export type ResolvedMediaPath = {
  /** Absolute real path on this machine (symlinks followed). */
  absolute: string;
  /** Normalised path relative to MEDIA_ROOT, as shown to clients. */
  relative: string;
};

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
  const normalised = path.posix.normalize(userPath.replaceAll("\\", "/"));
  if (normalised === "." || normalised.endsWith("/")) return invalid(field, `${field} must name a file`);
  return ok(normalised);
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/** Real path of MEDIA_ROOT; callers resolve it once and pass it in. */
export async function realMediaRoot(mediaRoot: string): Promise<string> {
  return realpath(path.resolve(mediaRoot));
}

/**
 * An existing input file under the media root. Symlinks are followed and the
 * target must still be inside the root and be a regular file.
 */
export async function resolveInputPath(root: string, userPath: string): Promise<Result<ResolvedMediaPath>> {
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
    if (code === "ELOOP") return invalid("input", `${checked.value} is a symlink loop`);
    throw cause;
  }
  if (!isInside(root, real)) return invalid("input", `${checked.value} resolves outside the media root`);
  const info = await stat(real);
  if (!info.isFile()) return invalid("input", `${checked.value} is not a regular file`);
  return ok({ absolute: real, relative: checked.value });
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

  let existing: import("node:fs").Stats | undefined;
  try {
    existing = await lstat(candidate);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw cause;
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

  const ancestor = await nearestExistingAncestor(path.dirname(candidate));
  const realAncestor = await realpath(ancestor);
  if (realAncestor !== root && !isInside(root, realAncestor)) {
    return invalid("output", `${checked.value} resolves outside the media root`);
  }
  if (!(await stat(realAncestor)).isDirectory()) {
    return invalid("output", `${path.relative(root, ancestor)} is not a directory`);
  }
  const absolute = path.join(realAncestor, path.relative(ancestor, candidate));
  return ok({ absolute, relative: checked.value, exists: false });
}

async function nearestExistingAncestor(dir: string): Promise<string> {
  let current = dir;
  for (;;) {
    try {
      await lstat(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** `incoming/movie.mkv` + mp4 → `converted/movie.mp4` (shared/DESIGN.md §3.3). */
export function defaultOutputPath(input: string, extension: string): string {
  const stem = path.posix.basename(input).replace(/\.[^.]*$/, "") || "output";
  return `converted/${stem}.${extension}`;
}

/**
 * The temporary name ffmpeg writes to, beside the target so the final rename
 * stays on one filesystem. Dot-prefixed and tagged with the job id, so it
 * never collides with a real output and a cleanup can recognise it.
 */
export function temporaryOutputPath(target: string, jobId: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${jobId}${TEMP_SUFFIX}`);
}
export const TEMP_SUFFIX = ".partial";

import type { Dirent, Stats } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@converter/shared/errors";
import type { FileEntry, FileList } from "@converter/shared/files";
import { checkRelativePath } from "@converter/shared/media-path";

/** Sort key of an entry: folders first, then by name (code points, the same on every machine). */
type Key = { dir: boolean; name: string };
type Candidate = Key & { absolute: string };

const before = (a: Key, b: Key) => (a.dir !== b.dir ? a.dir : a.name < b.name);

export const encodeFolderCursor = (key: Key) => Buffer.from(JSON.stringify([key.dir, key.name])).toString("base64url");

function decodeFolderCursor(cursor: string): Key {
  try {
    const [dir, name] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof dir === "boolean" && typeof name === "string") return { dir, name };
  } catch {
    // answered below
  }
  throw new AppError("validation_failed", "cursor: not a cursor this listing gave", { field: "cursor" });
}

const isInside = (root: string, candidate: string) => {
  const rel = path.relative(root, candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
};

/**
 * GET /files: one page of a folder under the media root, for pickers. The
 * folder is resolved like any path a client sends (relative, no `..`, its
 * real path inside the root); entries whose names start with a dot
 * (temporary outputs, partial uploads) are left out, and a symlink is shown
 * only when it leads to a file or folder inside the root, never followed out.
 */
export class FolderListing {
  constructor(private readonly mediaRoot: string) {}

  async list(dir: string, limit: number, cursor?: string): Promise<FileList> {
    const { shown, folder } = await this.resolveFolder(dir);
    const after = cursor === undefined ? undefined : decodeFolderCursor(cursor);
    const names = await readdir(folder, { withFileTypes: true });
    const candidates = (await Promise.all(names.map((entry) => this.candidate(folder, entry))))
      .filter((c): c is Candidate => c !== undefined && (after === undefined || before(after, c)))
      .sort((a, b) => (before(a, b) ? -1 : 1));
    const page = candidates.slice(0, limit);
    const entries = (await Promise.all(page.map((c) => this.entry(shown, c)))).filter((e): e is FileEntry => !!e);
    const last = page.at(-1);
    return {
      dir: shown,
      entries,
      next_cursor: candidates.length > limit && last ? encodeFolderCursor(last) : null,
    };
  }

  /** The folder's real path, and its name as clients write it ("" for the root). */
  private async resolveFolder(dir: string): Promise<{ shown: string; folder: string }> {
    const trimmed = dir.replace(/\/+$/, "");
    let shown = "";
    if (trimmed !== "" && trimmed !== ".") {
      const checked = checkRelativePath(trimmed, "dir");
      if (!checked.ok) throw checked.error;
      shown = checked.value;
    }
    let real: string;
    try {
      real = await realpath(path.join(this.mediaRoot, shown));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new AppError("folder_not_found", `${shown || "the media root"} does not exist`, { field: "dir" });
      }
      throw new AppError("invalid_path", `${shown} cannot be read`, { field: "dir" });
    }
    if (!isInside(this.mediaRoot, real)) {
      throw new AppError("invalid_path", `${shown} resolves outside the media root`, { field: "dir" });
    }
    if (!(await stat(real)).isDirectory()) {
      throw new AppError("invalid_path", `${shown} is not a folder`, { field: "dir" });
    }
    return { shown, folder: real };
  }

  /** A name worth listing, with its type: symlinks are judged by where they lead. */
  private async candidate(folder: string, entry: Dirent): Promise<Candidate | undefined> {
    if (entry.name.startsWith(".")) return undefined;
    const absolute = path.join(folder, entry.name);
    if (entry.isDirectory()) return { dir: true, name: entry.name, absolute };
    if (entry.isFile()) return { dir: false, name: entry.name, absolute };
    if (!entry.isSymbolicLink()) return undefined;
    const target = await realpath(absolute).catch(() => undefined);
    if (!target || !isInside(this.mediaRoot, target)) return undefined;
    const info = await stat(target).catch(() => undefined);
    if (!info || !(info.isDirectory() || info.isFile())) return undefined;
    return { dir: info.isDirectory(), name: entry.name, absolute: target };
  }

  private async entry(shown: string, c: Candidate): Promise<FileEntry | undefined> {
    // Removed between the listing and now: left out rather than failing the page.
    const info: Stats | undefined = await stat(c.absolute).catch(() => undefined);
    if (!info) return undefined;
    return {
      name: c.name,
      path: shown === "" ? c.name : `${shown}/${c.name}`,
      is_dir: c.dir,
      size_bytes: c.dir ? null : info.size,
      modified_at: info.mtime.toISOString(),
    };
  }
}

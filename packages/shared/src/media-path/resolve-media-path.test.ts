import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkRelativePath, defaultOutputPath, resolveInputPath, resolveOutputPath } from "./resolve-media-path.js";

let sandbox: string;
let root: string;
let outside: string;

beforeEach(() => {
  sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), "media-path-")));
  root = path.join(sandbox, "media");
  outside = path.join(sandbox, "outside");
  mkdirSync(path.join(root, "incoming"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, "incoming", "a.mkv"), "x");
  writeFileSync(path.join(outside, "secret.mkv"), "x");
  symlinkSync(path.join(outside, "secret.mkv"), path.join(root, "incoming", "escape.mkv"));
  symlinkSync(outside, path.join(root, "outdir"));
  symlinkSync(path.join(root, "incoming", "a.mkv"), path.join(root, "inside-link.mkv"));
  symlinkSync(path.join(sandbox, "nowhere"), path.join(root, "dangling"));
  writeFileSync(path.join(root, "..dotted.mkv"), "x");
  mkdirSync(path.join(root, "folder.mkv"));
});
afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

const codeOf = async (promise: Promise<{ ok: boolean; error?: { code: string } }>) => {
  const result = await promise;
  return result.ok ? "ok" : result.error?.code;
};

describe("checkRelativePath", () => {
  it.each([
    ["", "empty"],
    ["/etc/passwd", "absolute"],
    ["\\\\server\\share", "absolute"],
    ["C:/x.mkv", "absolute"],
    ["../x.mkv", ".."],
    ["incoming/../../x.mkv", ".."],
    ["a\u0000.mkv", "control"],
    ["a\n.mkv", "control"],
    [".", "file"],
    ["incoming/", "file"],
  ])("refuses %j (%s)", (value, why) => {
    const result = checkRelativePath(value, "input");
    expect(result.ok, why).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid_path");
  });

  it("normalises harmless spellings", () => {
    expect(checkRelativePath("./incoming//a.mkv", "input")).toEqual({ ok: true, value: "incoming/a.mkv" });
    expect(checkRelativePath("concat:a.mkv|b.mkv", "input")).toEqual({ ok: true, value: "concat:a.mkv|b.mkv" });
  });
});

describe("resolveInputPath", () => {
  it("resolves an existing file", async () => {
    const result = await resolveInputPath(root, "incoming/a.mkv");
    expect(result).toEqual({
      ok: true,
      // The size comes from the same stat that found a regular file (the submission's MAX_INPUT_BYTES check).
      value: {
        absolute: path.join(root, "incoming/a.mkv"),
        relative: "incoming/a.mkv",
        stats: expect.objectContaining({ size: 1 }),
      },
    });
  });

  it("follows a symlink that stays inside the root", async () => {
    expect(await codeOf(resolveInputPath(root, "inside-link.mkv"))).toBe("ok");
  });

  it("refuses symlinks and folders that lead outside the root", async () => {
    expect(await codeOf(resolveInputPath(root, "incoming/escape.mkv"))).toBe("invalid_path");
    expect(await codeOf(resolveInputPath(root, "outdir/secret.mkv"))).toBe("invalid_path");
  });

  it("tells a missing file from a bad path", async () => {
    expect(await codeOf(resolveInputPath(root, "incoming/missing.mkv"))).toBe("input_not_found");
    expect(await codeOf(resolveInputPath(root, "incoming/a.mkv/inner"))).toBe("input_not_found");
  });

  it("accepts a name that merely starts with two dots", async () => {
    expect(await codeOf(resolveInputPath(root, "..dotted.mkv"))).toBe("ok");
    expect(await codeOf(resolveOutputPath(root, "..dotted.mkv"))).toBe("ok");
  });

  it("calls an over-long name a bad path, not a server error", async () => {
    expect(await codeOf(resolveInputPath(root, `${"a".repeat(300)}.mkv`))).toBe("invalid_path");
    expect(await codeOf(resolveOutputPath(root, `${"a".repeat(300)}.mp4`))).toBe("invalid_path");
    expect(await codeOf(resolveOutputPath(root, `x/${"a".repeat(300)}/y.mp4`))).toBe("invalid_path");
  });

  it("refuses anything but a regular file", async () => {
    expect(await codeOf(resolveInputPath(root, "folder.mkv"))).toBe("invalid_path");
  });
});

describe("resolveOutputPath", () => {
  it("accepts a new file in a folder that does not exist yet", async () => {
    const result = await resolveOutputPath(root, "converted/deep/x.mp4");
    expect(result).toEqual({
      ok: true,
      value: { absolute: path.join(root, "converted/deep/x.mp4"), relative: "converted/deep/x.mp4", exists: false },
    });
  });

  it("writes through a symlinked folder that stays inside the root, to the folder's real path", async () => {
    symlinkSync(path.join(root, "incoming"), path.join(root, "inbox"));
    const result = await resolveOutputPath(root, "inbox/new.mp4");
    expect(result).toEqual({
      ok: true,
      value: { absolute: path.join(root, "incoming/new.mp4"), relative: "inbox/new.mp4", exists: false },
    });
    // A link to a file is no folder, whether it is the parent or an ancestor further up.
    expect(await codeOf(resolveOutputPath(root, "inside-link.mkv/x.mp4"))).toBe("invalid_path");
    expect(await codeOf(resolveOutputPath(root, "inside-link.mkv/deeper/x.mp4"))).toBe("invalid_path");
  });

  it("reports an existing file", async () => {
    const result = await resolveOutputPath(root, "incoming/a.mkv");
    expect(result.ok && result.value.exists).toBe(true);
  });

  it("refuses to write through a symlinked folder or file outside the root", async () => {
    expect(await codeOf(resolveOutputPath(root, "outdir/new.mp4"))).toBe("invalid_path");
    expect(await codeOf(resolveOutputPath(root, "incoming/escape.mkv"))).toBe("invalid_path");
  });

  it("refuses an output below a dangling symlink", async () => {
    expect(await codeOf(resolveOutputPath(root, "dangling/x.mp4"))).toBe("invalid_path");
  });

  it("refuses a folder as the output and a file as a parent folder", async () => {
    expect(await codeOf(resolveOutputPath(root, "folder.mkv"))).toBe("invalid_path");
    expect(await codeOf(resolveOutputPath(root, "incoming/a.mkv/x.mp4"))).toBe("invalid_path");
  });
});

describe("names", () => {
  it("derives the default output from the input stem", () => {
    expect(defaultOutputPath("incoming/movie.final.mkv", "mp4")).toBe("converted/movie.final.mp4");
    expect(defaultOutputPath("noext", "webm")).toBe("converted/noext.webm");
  });

  it("keeps an upload's folder, so two uploads of one name get two outputs", () => {
    const id = "0192f3c4-0000-7000-8000-000000000001";
    expect(defaultOutputPath(`uploads/${id}/movie.mkv`, "mp4")).toBe(`converted/${id}/movie.mp4`);
    expect(defaultOutputPath("uploads/not-an-id/movie.mkv", "mp4")).toBe("converted/movie.mp4");
    expect(defaultOutputPath(`uploads/${id}/deeper/movie.mkv`, "mp4")).toBe("converted/movie.mp4");
  });
});

import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fdPath } from "./descriptor-paths.js";
import { createFileIn, openDirectoryBeneath, openFileBeneath } from "./open-beneath.js";

const base = realpathSync(mkdtempSync(path.join(tmpdir(), "beneath-")));
const root = path.join(base, "root");
const outside = path.join(base, "outside");
mkdirSync(path.join(root, "in", "deep"), { recursive: true });
mkdirSync(outside);
writeFileSync(path.join(root, "in", "deep", "a.txt"), "inside");
writeFileSync(path.join(outside, "a.txt"), "outside");
symlinkSync(outside, path.join(root, "link-out"));
symlinkSync(path.join(root, "in"), path.join(root, "link-in"));
symlinkSync(path.join(outside, "a.txt"), path.join(root, "in", "file-link.txt"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "opened",
    (error: NodeJS.ErrnoException) => error.code,
  );

describe("opening media files beneath the root (real filesystem)", () => {
  it("opens a file below the root, and the descriptor keeps it whatever its folder is renamed to", async () => {
    const file = await openFileBeneath(root, "in/deep/a.txt");
    try {
      await rename(path.join(root, "in", "deep"), path.join(root, "in", "moved"));
      expect(await readFile(fdPath(file.fd), "utf8")).toBe("inside");
    } finally {
      await file.close();
      await rename(path.join(root, "in", "moved"), path.join(root, "in", "deep"));
    }
  });

  it.each([
    ["a symlinked folder leading outside", "link-out/a.txt"],
    ["a symlinked folder that stays inside (the caller resolves legitimate links first)", "link-in/deep/a.txt"],
    ["a symlink as the file itself", "in/file-link.txt"],
  ])("never goes through %s", async (_name, relative) => {
    // A symlinked folder answers ENOTDIR (O_DIRECTORY | O_NOFOLLOW), a symlinked file ELOOP.
    expect(await code(openFileBeneath(root, relative))).toMatch(/^(ENOTDIR|ELOOP)$/);
  });

  it("refuses what is not a regular file, and what does not exist", async () => {
    expect(await code(openFileBeneath(root, "in/deep"))).toBe("EINVAL");
    expect(await code(openFileBeneath(root, "in/none.txt"))).toBe("ENOENT");
  });

  it("creates missing folders inside the folder it just opened, never through a symlink", async () => {
    const dir = await openDirectoryBeneath(root, "out/a/b", { create: true });
    await dir.close();
    expect(realpathSync(path.join(root, "out/a/b"))).toBe(path.join(root, "out/a/b"));
    expect(await code(openDirectoryBeneath(root, "link-out/new", { create: true }))).toBe("ENOTDIR");
    expect(() => readFileSync(path.join(outside, "new"))).toThrow();
  });

  it("creates a new file only where none is, through the folder's descriptor", async () => {
    const dir = await openDirectoryBeneath(root, "out", { create: true });
    try {
      const file = await createFileIn(dir, "new.bin");
      await file.writeFile("x");
      await file.close();
      expect(readFileSync(path.join(root, "out", "new.bin"), "utf8")).toBe("x");
      expect(await code(createFileIn(dir, "new.bin"))).toBe("EEXIST");
      symlinkSync(path.join(outside, "planted"), path.join(root, "out", "planted"));
      expect(await code(createFileIn(dir, "planted"))).toBe("EEXIST");
      expect(() => readFileSync(path.join(outside, "planted"))).toThrow();
    } finally {
      await dir.close();
    }
  });

  it("refuses a folder the kernel places outside the root (EXDEV)", async () => {
    // The root given is a folder whose real place is elsewhere: what was opened is not below it.
    expect(await code(openDirectoryBeneath(path.join(base, "not-the-root"), ".", { create: false }))).toBe("ENOENT");
    mkdirSync(path.join(base, "elsewhere"));
    symlinkSync(path.join(base, "elsewhere"), path.join(base, "alias"));
    expect(await code(openDirectoryBeneath(path.join(base, "alias"), ".", { create: false }))).toBe("EXDEV");
  });
});

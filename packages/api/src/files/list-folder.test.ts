import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FolderListing } from "./list-folder.js";

let sandbox: string;
let root: string;
let listing: FolderListing;

beforeEach(() => {
  sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), "list-folder-")));
  root = path.join(sandbox, "media");
  mkdirSync(path.join(root, "incoming", "sub"), { recursive: true });
  mkdirSync(path.join(root, "converted"));
  writeFileSync(path.join(root, "incoming", "b.mkv"), "bb");
  writeFileSync(path.join(root, "incoming", "a.mkv"), "a");
  writeFileSync(path.join(root, "incoming", "c.mkv"), "ccc");
  writeFileSync(path.join(root, "incoming", ".a.mp4.job.run.partial"), "temp");
  writeFileSync(path.join(sandbox, "secret.txt"), "outside");
  symlinkSync(path.join(sandbox, "secret.txt"), path.join(root, "incoming", "escape.txt"));
  symlinkSync(sandbox, path.join(root, "incoming", "escape-dir"));
  symlinkSync(path.join(root, "incoming", "a.mkv"), path.join(root, "incoming", "link.mkv"));
  symlinkSync(path.join(root, "nowhere"), path.join(root, "incoming", "dangling.mkv"));
  symlinkSync(path.join(root, "converted"), path.join(root, "incoming", "out"));
  listing = new FolderListing(root);
});
afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

describe("FolderListing", () => {
  it("lists folders first, then files by name, hiding dot files and symlinks that lead out", async () => {
    const page = await listing.list("incoming", 50);
    expect(page.dir).toBe("incoming");
    expect(page.entries.map((e) => [e.name, e.is_dir, e.size_bytes])).toEqual([
      ["out", true, null],
      ["sub", true, null],
      ["a.mkv", false, 1],
      ["b.mkv", false, 2],
      ["c.mkv", false, 3],
      ["link.mkv", false, 1],
    ]);
    expect(page.entries[2]).toMatchObject({ path: "incoming/a.mkv", modified_at: expect.stringMatching(/Z$/) });
    expect(page.next_cursor).toBeNull();
  });

  it("pages with a cursor and lists the root as an empty dir", async () => {
    const first = await listing.list("incoming", 4);
    expect(first.entries.map((e) => e.name)).toEqual(["out", "sub", "a.mkv", "b.mkv"]);
    const second = await listing.list("incoming", 4, first.next_cursor ?? undefined);
    expect(second.entries.map((e) => e.name)).toEqual(["c.mkv", "link.mkv"]);
    expect(second.next_cursor).toBeNull();
    const top = await listing.list("", 10);
    expect(top).toMatchObject({ dir: "", entries: [{ name: "converted", path: "converted" }, { name: "incoming" }] });
    expect((await listing.list(".", 10)).entries).toHaveLength(2);
    expect((await listing.list("incoming/", 10)).dir).toBe("incoming");
  });

  it.each([
    ["../", "invalid_path"],
    ["/etc", "invalid_path"],
    ["incoming/escape-dir", "invalid_path"],
    ["incoming/a.mkv", "invalid_path"],
    ["missing", "folder_not_found"],
  ])("refuses %s with %s", async (dir, code) => {
    await expect(listing.list(dir, 10)).rejects.toMatchObject({ code });
  });

  it("refuses a cursor it did not give", async () => {
    await expect(listing.list("incoming", 10, "bm90LWEtY3Vyc29y")).rejects.toMatchObject({ code: "validation_failed" });
  });
});

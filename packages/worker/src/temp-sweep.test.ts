import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { temporaryName } from "./lifecycle/temporary-files.js";
import { sweepTemporaryFiles } from "./temp-sweep.js";

const log = createLogger({ name: "sweep-test", level: "silent" });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "sweep-")));
  dirs.push(dir);
  return dir;
}

/** A file last written an hour ago. */
function touch(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "half an encode");
  const anHourAgo = new Date(Date.now() - 3600_000);
  utimesSync(file, anHourAgo, anHourAgo);
  return file;
}

const minIdleMs = 140_000;

describe("sweepTemporaryFiles", () => {
  it("removes temporary outputs of jobs no worker runs, and keeps those of running jobs", async () => {
    const root = tempDir();
    const dead = newJobId();
    const alive = newJobId();
    const orphan = touch(path.join(root, "a", "b", temporaryName("movie.mp4", dead, "deadbeef")));
    const running = touch(path.join(root, temporaryName("movie.mkv", alive, "cafe0001")));
    const report = await sweepTemporaryFiles({
      mediaRoot: root,
      isJobRunning: async (id) => id === alive,
      minIdleMs,
      log,
    });
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(report.removed).toEqual([path.relative(root, orphan)]);
    expect(report.kept).toEqual([path.relative(root, running)]);
  });

  it("keeps a file written recently, though no job of this queue holds it: another queue's worker may write it", async () => {
    const root = tempDir();
    const fresh = path.join(root, temporaryName("movie.mp4", newJobId(), "cafe0002"));
    writeFileSync(fresh, "being written by a worker of another queue");
    const report = await sweepTemporaryFiles({ mediaRoot: root, isJobRunning: async () => false, minIdleMs, log });
    expect(existsSync(fresh)).toBe(true);
    expect(report.kept).toEqual([path.relative(root, fresh)]);
  });

  it.each([
    "movie.mp4",
    ".movie.mp4.partial",
    ".movie.mp4.not-a-job-id.abcd.partial",
    `movie.mp4.${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}.x.partial`,
  ])("leaves %s alone: not a name the worker writes", async (name) => {
    const root = tempDir();
    const file = touch(path.join(root, name));
    await sweepTemporaryFiles({ mediaRoot: root, isJobRunning: async () => false, minIdleMs, log });
    expect(existsSync(file)).toBe(true);
  });

  it("never follows a symlinked folder out of the media root", async () => {
    const root = tempDir();
    const outside = tempDir();
    const victim = touch(path.join(outside, temporaryName("x.mp4", newJobId(), "deadbeef")));
    symlinkSync(outside, path.join(root, "link"));
    await sweepTemporaryFiles({ mediaRoot: root, isJobRunning: async () => false, minIdleMs, log });
    expect(existsSync(victim)).toBe(true);
  });
});

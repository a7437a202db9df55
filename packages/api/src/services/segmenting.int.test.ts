import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ResolvedOptions } from "@converter/shared/jobs";
import { findPreset } from "@converter/shared/presets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planSegmentedJob } from "./segmenting.js";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "segmenting-"));
const clip = path.join(dir, "clip.mp4");
const silent = path.join(dir, "silent.mp4");

/** Preset h264's options (H.264 + AAC in MP4), on the CPU. */
const options: ResolvedOptions = { ...h264Options(), hardware: "cpu" };
const deps = { ffprobePath: "ffprobe", policyMinSeconds: 0, defaultSeconds: 2 };

/** 6 s of testsrc2 at 25 fps with a keyframe a second (and a tone, unless silent). */
async function makeClip(file: string, audio: boolean): Promise<void> {
  const args = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=6"];
  if (audio) args.push("-f", "lavfi", "-i", "sine=duration=6");
  await run("ffmpeg", [...args, "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", file]);
}

beforeAll(async () => {
  await Promise.all([makeClip(clip, true), makeClip(silent, false)]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("planSegmentedJob with the real ffprobe", () => {
  it("cuts a clip the job asks to segment at its keyframes", async () => {
    const plan = await planSegmentedJob(deps, { inputPath: clip, options, streamCopy: "auto", requested: "auto" });
    expect(plan).toMatchObject({ length_seconds: 2, reason: "requested", expected_frames: 150, audio: true });
    expect(plan?.video.map((s) => [s.start, s.end, s.frames])).toEqual([
      [0, 2, 50],
      [2, 4, 50],
      [4, 6, 50],
    ]);
  });

  it("plans no audio child for an input without audio", async () => {
    const plan = await planSegmentedJob(deps, { inputPath: silent, options, streamCopy: "never", requested: 3 });
    expect(plan).toMatchObject({ length_seconds: 3, audio: false, expected_frames: 150 });
  });

  it("segments by policy only long inputs of jobs that re-encode", async () => {
    const policy = { ...deps, policyMinSeconds: 5 };
    const job = { inputPath: clip, options, requested: undefined };
    expect(await planSegmentedJob(policy, { ...job, streamCopy: "never" })).toMatchObject({ reason: "policy" });
    expect(await planSegmentedJob(policy, { ...job, streamCopy: "auto" })).toBeUndefined();
    expect(await planSegmentedJob({ ...policy, policyMinSeconds: 7 }, { ...job, streamCopy: "never" })).toBe(undefined);
    expect(await planSegmentedJob(deps, { ...job, streamCopy: "never" })).toBeUndefined();
  });

  it("runs an unreadable input in a single pass (the worker reports it)", async () => {
    const plan = await planSegmentedJob(deps, {
      inputPath: path.join(dir, "missing.mp4"),
      options,
      streamCopy: "never",
      requested: 2,
    });
    expect(plan).toBeUndefined();
  });
});

function h264Options(): ResolvedOptions {
  const preset = findPreset("h264");
  if (!preset) throw new Error("no h264 preset");
  return preset.options;
}

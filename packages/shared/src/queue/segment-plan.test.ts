import { describe, expect, it } from "vitest";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { findPreset } from "../presets/index.js";
import {
  parseSegmentChildId,
  planSegments,
  segmentChildId,
  segmentListName,
  segmentOptions,
  segmentOutputPath,
  segmentRefs,
  type VideoFrames,
} from "./segment-plan.js";

/** `seconds` of video at `rate` frames a second, a keyframe every `gop` frames. */
function frames(seconds: number, rate: number, gop: number): VideoFrames {
  const times = Array.from({ length: seconds * rate }, (_, i) => Math.floor((i / rate) * 1e6) / 1e6);
  return { times, keyframes: times.filter((_, i) => i % gop === 0), frameSeconds: 1 / rate };
}

const whole = { start: null, duration: null };

/** Preset h264's options (H.264 + AAC in MP4). */
const options: ResolvedOptions = { ...h264Options() };

describe("planSegments", () => {
  it("cuts at the keyframes nearest each multiple of the length, counting every frame once", () => {
    // 10 s at 25 fps, a keyframe every 1.5 s (0, 1.5, 3, 4.5, 6, 7.5, 9).
    const plan = planSegments({
      frames: frames(10, 25, 38),
      options: whole,
      length: 3,
      reason: "requested",
      audio: true,
    });
    expect(plan?.video.map((s) => s.start)).toEqual([0, 3.04, 6.08]);
    expect(plan?.expected_frames).toBe(250);
    expect(plan?.video.reduce((n, s) => n + s.frames, 0)).toBe(250);
    expect(plan?.expected_duration).toBe(10);
  });

  it("plans a 8 s clip with a keyframe a second in 2 s segments", () => {
    const plan = planSegments({ frames: frames(8, 25, 25), options: whole, length: 2, reason: "policy", audio: false });
    expect(plan).toEqual({
      length_seconds: 2,
      reason: "policy",
      frame_seconds: 0.04,
      expected_frames: 200,
      expected_duration: 8,
      video: [
        { index: 0, start: 0, end: 2, frames: 50 },
        { index: 1, start: 2, end: 4, frames: 50 },
        { index: 2, start: 4, end: 6, frames: 50 },
        { index: 3, start: 6, end: 8, frames: 50 },
      ],
      audio: false,
    });
  });

  it("never leaves a segment shorter than half the length at the end", () => {
    const plan = planSegments({
      frames: frames(9, 25, 25),
      options: whole,
      length: 4,
      reason: "requested",
      audio: true,
    });
    expect(plan?.video.map((s) => [s.start, s.end])).toEqual([
      [0, 4],
      [4, 9],
    ]);
  });

  it("plans only the span the job converts (start and duration)", () => {
    const plan = planSegments({
      frames: frames(10, 25, 25),
      options: { start: 1.48, duration: 6 },
      length: 2,
      reason: "requested",
      audio: true,
    });
    // 3.48 and 5.48 lie nearer the keyframe before them.
    expect(plan?.video.map((s) => [s.start, s.end])).toEqual([
      [1.48, 3],
      [3, 5],
      [5, 7.48],
    ]);
    expect(plan?.expected_frames).toBe(150);
  });

  it("gives no plan when the frames sit between the frame rate's slots (Matroska's 21 ms AAC shift)", () => {
    const aligned = frames(10, 25, 25);
    const shifted = {
      ...aligned,
      times: aligned.times.map((t) => t + 0.021),
      keyframes: aligned.keyframes.map((t) => t + 0.021),
    };
    expect(
      planSegments({ frames: aligned, options: whole, length: 2, reason: "requested", audio: true }),
    ).toBeDefined();
    expect(
      planSegments({ frames: shifted, options: whole, length: 2, reason: "requested", audio: true }),
    ).toBeUndefined();
  });

  it("gives no plan when the input has too few keyframes for two segments", () => {
    expect(
      planSegments({ frames: frames(8, 25, 250), options: whole, length: 2, reason: "requested", audio: true }),
    ).toBeUndefined();
    expect(planSegments({ frames: frames(3, 25, 25), options: whole, length: 20, reason: "policy", audio: true })).toBe(
      undefined,
    );
  });
});

describe("the children of a plan", () => {
  const plan = planSegments({ frames: frames(8, 25, 25), options: whole, length: 4, reason: "requested", audio: true });
  if (!plan) throw new Error("no plan");

  it("are the video segments, then the audio", () => {
    expect(segmentRefs(plan)).toEqual([
      { kind: "video", index: 0 },
      { kind: "video", index: 1 },
      { kind: "audio", index: null },
    ]);
  });

  it("encode a segment without audio, ending half a frame before the next cut", () => {
    expect(segmentOptions(options, plan, { kind: "video", index: 0 })).toEqual({
      ...options,
      audio_codec: "none",
      audio_bitrate: null,
      start: null,
      duration: 3.98,
    });
    // The last one runs to the end, as a single pass does.
    expect(segmentOptions(options, plan, { kind: "video", index: 1 })).toMatchObject({ start: 4, duration: null });
  });

  it("encode the audio whole, without video", () => {
    expect(segmentOptions(options, plan, { kind: "audio", index: null })).toEqual({
      ...options,
      video_codec: "none",
      crf: null,
      video_bitrate: null,
      width: null,
      height: null,
      fps: null,
    });
  });

  it("have ids and part files that name their parent", () => {
    const id = "0b6f4c2e-8a5d-4d7e-9c1a-2f3e4d5c6b7a";
    expect(segmentChildId(id, { kind: "video", index: 3 })).toBe(`${id}-v3`);
    expect(parseSegmentChildId(`${id}-v3`)).toEqual({ parent: id, ref: { kind: "video", index: 3 } });
    expect(parseSegmentChildId(`${id}-a`)).toEqual({ parent: id, ref: { kind: "audio", index: null } });
    expect(parseSegmentChildId(id)).toBeUndefined();
    expect(segmentOutputPath("out/movie.mp4", id, { kind: "video", index: 3 })).toBe(`out/.seg.${id}.v003.partial`);
    expect(segmentOutputPath("movie.mp4", id, { kind: "audio", index: null })).toBe(`.seg.${id}.a.partial`);
    expect(segmentListName(id)).toBe(`.seg.${id}.list.partial`);
  });
});

function h264Options(): ResolvedOptions {
  const preset = findPreset("h264");
  if (!preset) throw new Error("no h264 preset");
  return preset.options;
}

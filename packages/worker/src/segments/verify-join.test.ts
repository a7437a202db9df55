import type { SegmentPlan } from "@converter/shared/queue";
import { describe, expect, it } from "vitest";
import { joinProblem } from "./verify-join.js";

const plan: SegmentPlan = {
  length_seconds: 2,
  reason: "requested",
  frame_seconds: 0.04,
  expected_frames: 200,
  expected_duration: 8,
  video: [
    { index: 0, start: 0, end: 4, frames: 100 },
    { index: 1, start: 4, end: 8, frames: 100 },
  ],
  audio: true,
};
const good = {
  video: { packets: 200, start: 0, duration: 8 },
  audio: { packets: 376, start: 0, duration: 8.021 },
};

describe("joinProblem", () => {
  it("passes a join with the single pass's frames, length and a common start", () => {
    expect(joinProblem(plan, good)).toBeUndefined();
    expect(joinProblem(plan, { ...good, video: { ...good.video, duration: 8.04 } })).toBeUndefined();
  });

  it("refuses a frame more or less than a single pass", () => {
    expect(joinProblem(plan, { ...good, video: { ...good.video, packets: 201 } })).toBe(
      "the joined output has 201 video frames; a single-pass encode has 200",
    );
  });

  it("refuses a length more than one frame off", () => {
    expect(joinProblem(plan, { ...good, video: { ...good.video, duration: 8.1 } })).toMatch(/lasts 8.1 s/);
  });

  it("refuses audio that starts apart from the video, or is missing", () => {
    expect(joinProblem(plan, { ...good, audio: { ...good.audio, start: 0.021 } })).toMatch(/audio starts at 0.021/);
    expect(joinProblem(plan, { ...good, audio: null })).toBe("the joined output has no audio stream");
    expect(joinProblem({ ...plan, audio: false }, { ...good, audio: null })).toBeUndefined();
  });
});

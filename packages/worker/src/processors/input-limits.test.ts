import { DEFAULT_JOB_LIMITS, type JobLimits } from "@converter/shared";
import { describe, expect, it } from "vitest";
import type { MediaInfo } from "../ffmpeg/probe.js";
import { inputLimitBreach } from "./input-limits.js";

const limits: JobLimits = {
  ...DEFAULT_JOB_LIMITS,
  maxInputBytes: 1000,
  maxInputWidth: 640,
  maxInputHeight: 480,
  maxInputPixels: 640 * 360,
  maxInputDurationSeconds: 60,
  maxInputStreams: 4,
};

const media = (over: Partial<MediaInfo> = {}): MediaInfo => ({
  formatName: "matroska,webm",
  durationSeconds: 10,
  sizeBytes: 500,
  video: { codec: "h264", width: 320, height: 240 },
  audio: { codec: "aac" },
  streamCount: 2,
  frameSizes: [{ width: 320, height: 240 }],
  ...over,
});

describe("inputLimitBreach", () => {
  it("passes an input inside every limit", () => {
    expect(inputLimitBreach(media(), 500, limits)).toBeUndefined();
  });

  it.each([
    [media(), 1001, "input_too_large", /MAX_INPUT_BYTES allows 1000/],
    [media({ streamCount: 5 }), 10, "input_limit_exceeded", /5 streams; MAX_INPUT_STREAMS allows 4/],
    [media({ frameSizes: [{ width: 641, height: 100 }] }), 10, "input_limit_exceeded", /641x100; MAX_INPUT_WIDTH/],
    [media({ frameSizes: [{ width: 100, height: 481 }] }), 10, "input_limit_exceeded", /MAX_INPUT_HEIGHT/],
    [media({ frameSizes: [{ width: 640, height: 361 }] }), 10, "input_limit_exceeded", /640x361; MAX_INPUT_PIXELS/],
    // Cover art is opened by decoders too: its size counts.
    [
      media({
        frameSizes: [
          { width: 320, height: 240 },
          { width: 9000, height: 9000 },
        ],
      }),
      10,
      "input_limit_exceeded",
      /9000x9000/,
    ],
    [media({ durationSeconds: 86_400 }), 10, "input_limit_exceeded", /lasts 86400.0 s; MAX_INPUT_DURATION_SECONDS/],
  ])("refuses %j of %i bytes with %s", (info, size, code, message) => {
    const breach = inputLimitBreach(info, size, limits);
    expect(breach?.code).toBe(code);
    expect(breach?.message).toMatch(message);
  });
});

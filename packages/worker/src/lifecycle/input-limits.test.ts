import { DEFAULT_JOB_LIMITS, type JobLimits } from "@converter/shared/config/worker";
import { describe, expect, it } from "vitest";
import type { MediaInfo } from "../ffmpeg/probe.js";
import { inputLimitBreach, inputSizeBreach } from "./input-limits.js";

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
  video: { codec: "h264", width: 320, height: 240, durationSeconds: null },
  audio: { codec: "aac", durationSeconds: null },
  streamCount: 2,
  frameSizes: [{ width: 320, height: 240 }],
  ...over,
});

describe("inputLimitBreach", () => {
  it("passes an input inside every limit", () => {
    expect(inputSizeBreach(500, limits)).toBeUndefined();
    expect(inputLimitBreach(media(), limits)).toBeUndefined();
  });

  it("refuses an input of 1001 bytes with input_too_large", () => {
    const breach = inputSizeBreach(1001, limits);
    expect(breach?.code).toBe("input_too_large");
    expect(breach?.message).toMatch(/MAX_INPUT_BYTES allows 1000/);
  });

  it.each([
    [media({ streamCount: 5 }), "input_limit_exceeded", /5 streams; MAX_INPUT_STREAMS allows 4/],
    [media({ frameSizes: [{ width: 641, height: 100 }] }), "input_limit_exceeded", /641x100; MAX_INPUT_WIDTH/],
    [media({ frameSizes: [{ width: 100, height: 481 }] }), "input_limit_exceeded", /MAX_INPUT_HEIGHT/],
    [media({ frameSizes: [{ width: 640, height: 361 }] }), "input_limit_exceeded", /640x361; MAX_INPUT_PIXELS/],
    // Cover art is opened by decoders too: its size counts.
    [
      media({
        frameSizes: [
          { width: 320, height: 240 },
          { width: 9000, height: 9000 },
        ],
      }),
      "input_limit_exceeded",
      /9000x9000/,
    ],
    [media({ durationSeconds: 86_400 }), "input_limit_exceeded", /lasts 86400.0 s; MAX_INPUT_DURATION_SECONDS/],
  ])("refuses %j with %s", (info, code, message) => {
    const breach = inputLimitBreach(info, limits);
    expect(breach?.code).toBe(code);
    expect(breach?.message).toMatch(message);
  });
});

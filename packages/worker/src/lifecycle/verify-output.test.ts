import { findPreset } from "@converter/shared/presets";
import type { MediaInfo } from "@converter/shared/probe";
import { describe, expect, it } from "vitest";
import { audioStreamInfo, mediaInfo, streamInfo } from "../test-support.js";
import { outputProblem } from "./verify-output.js";

const h264 = findPreset("h264")?.options;
const mp3 = findPreset("audio-mp3")?.options;
if (!h264 || !mp3) throw new Error("presets missing");

const media = (over: Partial<MediaInfo> = {}): MediaInfo =>
  mediaInfo({
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    durationSeconds: 60,
    sizeBytes: 5_000_000,
    video: streamInfo({ width: 640, height: 360, durationSeconds: 60 }),
    audio: audioStreamInfo({ durationSeconds: 60 }),
    frameSizes: [{ width: 640, height: 360 }],
    ...over,
  });

describe("what keeps a finished output from being published", () => {
  it("passes an output as long as the input, or a little shorter (encoders move the ends)", () => {
    expect(outputProblem(media(), h264, media({ durationSeconds: 59.96 }))).toBeUndefined();
    expect(outputProblem(media(), h264, media({ durationSeconds: 58.5 }))).toBeUndefined();
  });

  it("refuses a cut-short output, or one whose duration cannot be read", () => {
    expect(outputProblem(media(), h264, media({ durationSeconds: 12 }))).toMatch(
      /lasts 12\.00 s of the 60\.00 s expected/,
    );
    expect(outputProblem(media(), h264, media({ durationSeconds: null }))).toMatch(/duration cannot be read/);
  });

  it("measures against what was asked: start and duration trim the expectation", () => {
    expect(outputProblem(media(), { ...h264, start: 50 }, media({ durationSeconds: 10 }))).toBeUndefined();
    expect(outputProblem(media(), { ...h264, duration: 5 }, media({ durationSeconds: 5 }))).toBeUndefined();
    expect(outputProblem(media(), { ...h264, start: 20, duration: 30 }, media({ durationSeconds: 10 }))).toMatch(
      /of the 30\.00 s expected/,
    );
  });

  it("measures audio-only outputs against the audio track, which may end before the video", () => {
    const input = media({ audio: audioStreamInfo({ durationSeconds: 30 }) });
    const output = media({ video: null, durationSeconds: 30, streamCount: 1, frameSizes: [] });
    expect(outputProblem(input, mp3, output)).toBeUndefined();
    // Matroska keeps no per-stream duration: the audio's length is unknown, and not guessed from the video's.
    const mkv = media({ audio: audioStreamInfo({ durationSeconds: null }) });
    expect(outputProblem(mkv, mp3, output)).toBeUndefined();
  });

  it("refuses an output missing a stream the job keeps", () => {
    expect(outputProblem(media(), h264, media({ audio: null, streamCount: 1 }))).toMatch(/no audio stream/);
    expect(outputProblem(media(), h264, media({ video: null, streamCount: 1 }))).toMatch(/no video stream/);
    // An audio-only input through a video preset keeps only its audio.
    const tone = media({ video: null, streamCount: 1, frameSizes: [] });
    expect(outputProblem(tone, h264, tone)).toBeUndefined();
  });
});

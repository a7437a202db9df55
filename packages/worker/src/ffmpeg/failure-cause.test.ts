import { describe, expect, it } from "vitest";
import { failureCause, isDiskFull, isWriteError } from "./failure-cause.js";

// Lines as ffmpeg 5.1 writes them to stderr (the tails of real runs).
const PCM_INTO_MP4 = [
  "[mp4 @ 0x55c9454daf40] Could not find tag for codec pcm_s16le in stream #0, codec not currently supported in container",
  "Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument",
  "Error initializing output stream 0:0 -- ",
  "Stream mapping:",
  "  Stream #0:0 -> #0:0 (copy)",
  "    Last message repeated 1 times",
];
const H264_INTO_WEBM = [
  "[webm @ 0x564cdcaa6680] Only VP8 or VP9 or AV1 video and Vorbis or Opus audio and WebVTT subtitles are supported for WebM.",
  "Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument",
  "Error initializing output stream 0:0 -- ",
  "    Last message repeated 1 times",
];
const ODD_X264 = [
  "[libx264 @ 0x55edcba05900] width not divisible by 2 (853x481)",
  "Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height",
  "Conversion failed!",
];
const ODD_X265 = [
  "x265 [error]: Picture width must be an integer multiple of the specified chroma subsampling",
  "Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height",
  "Conversion failed!",
];
const DISK_FULL = [
  "av_interleaved_write_frame(): No space left on device",
  "    Last message repeated 6 times",
  "Error writing trailer of file:/dev/fd/4: No space left on device",
  "Error closing file file:/dev/fd/4: No space left on device",
  "Conversion failed!",
];

describe("what made ffmpeg fail, in the job's words", () => {
  it.each([
    ["a codec the container cannot hold", PCM_INTO_MP4, "mp4", /^the mp4 container cannot hold the pcm_s16le codec/],
    [
      "WebM's codec rule",
      H264_INTO_WEBM,
      "webm",
      /^the webm container cannot hold this codec: WebM takes only VP8, VP9 or AV1 video/,
    ],
    ["an odd size for x264", ODD_X264, "mp4", /^the video is 853x481: this encoder needs an even width and height/],
    ["an odd size for x265", ODD_X265, "mp4", /^the video has an odd width or height: this encoder needs them even/],
    ["a full disk", DISK_FULL, "mkv", /^the disk is full: No space left on device/],
  ])("%s", (_name, lines, container, cause) => {
    expect(failureCause(lines, container)).toMatch(cause);
  });

  it("falls back to the last line that says something, never ffmpeg's closing words", () => {
    expect(
      failureCause(["Stream mapping:", "[aac @ 0x1] Too many bits per frame requested", "Conversion failed!"], "mp4"),
    ).toBe("[aac @ 0x1] Too many bits per frame requested");
    expect(failureCause(["Conversion failed!", "    Last message repeated 2 times"], "mp4")).toBeUndefined();
  });

  it("knows ffmpeg's write errors, and which of them mean a full disk", () => {
    expect(isWriteError("Error writing trailer of file:/dev/fd/4: No space left on device")).toBe(true);
    expect(isWriteError("Error closing file file:/dev/fd/4: Input/output error")).toBe(true);
    expect(isWriteError("av_interleaved_write_frame(): Disk quota exceeded")).toBe(true);
    expect(isWriteError("Error writing trailer of file:/dev/fd/4: Invalid argument")).toBe(true);
    expect(isWriteError("[mp4 @ 0x1] Could not find tag for codec pcm_s16le in stream #0")).toBe(false);
    expect(isDiskFull("Error writing trailer of file:/dev/fd/4: No space left on device")).toBe(true);
    expect(isDiskFull("av_interleaved_write_frame(): Disk quota exceeded")).toBe(true);
    expect(isDiskFull("Error closing file file:/dev/fd/4: Input/output error")).toBe(false);
  });
});

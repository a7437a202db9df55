import { describe, expect, it } from "vitest";
import { bitDepthOfPixFmt, parseFrameRate, toMediaInfo } from "./media-info.js";

describe("parseFrameRate", () => {
  it.each([
    ["25/1", 25],
    ["30000/1001", 30000 / 1001],
    ["0/0", null],
    ["", null],
    [undefined, null],
    ["24", 24],
  ])("%s → %s", (text, rate) => {
    expect(parseFrameRate(text)).toBe(rate);
  });
});

describe("bitDepthOfPixFmt", () => {
  it.each([
    ["yuv420p", 8],
    ["yuvj420p", 8],
    ["nv12", 8],
    ["yuv420p10le", 10],
    ["yuv422p12be", 12],
    ["p010le", 10],
    ["gbrp16le", 16],
    ["pal8", null],
    [null, null],
  ])("%s → %s", (pixFmt, depth) => {
    expect(bitDepthOfPixFmt(pixFmt)).toBe(depth);
  });
});

describe("toMediaInfo", () => {
  it("reads each stream, skips cover art as the video, and bounds nothing it does not know", () => {
    const info = toMediaInfo({
      format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2", duration: "4.04", size: "608003", bit_rate: "1203000" },
      streams: [
        {
          index: 0,
          codec_type: "video",
          codec_name: "mjpeg",
          width: 600,
          height: 600,
          pix_fmt: "yuvj444p",
          disposition: { attached_pic: 1 },
        },
        {
          index: 1,
          codec_type: "video",
          codec_name: "hevc",
          profile: "Main 10",
          width: 1280,
          height: 720,
          pix_fmt: "yuv420p10le",
          avg_frame_rate: "30000/1001",
          r_frame_rate: "30000/1001",
          field_order: "progressive",
          bit_rate: "1000000",
        },
        {
          index: 2,
          codec_type: "audio",
          codec_name: "opus",
          channels: 6,
          sample_rate: "48000",
          tags: { BPS: "256000" },
        },
      ],
    });
    expect(info).toMatchObject({
      formatName: "mov,mp4,m4a,3gp,3g2,mj2",
      durationSeconds: 4.04,
      sizeBytes: 608003,
      bitRate: 1203000,
      streamCount: 3,
      frameSizes: [
        { width: 600, height: 600 },
        { width: 1280, height: 720 },
      ],
    });
    expect(info.video).toMatchObject({
      index: 1,
      codec: "hevc",
      profile: "Main 10",
      bitDepth: 10,
      frameRate: 30000 / 1001,
      constantFrameRate: true,
      bitRate: 1_000_000,
    });
    expect(info.audio).toMatchObject({
      codec: "opus",
      channels: 6,
      sampleRate: 48_000,
      bitRate: 256_000,
      frameRate: null,
    });
    expect(info.streams[0]?.attachedPic).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { librariesDiffer } from "./start-prober.js";

// The library lines of Debian 12's `ffprobe -version`, and of a newer build's.
const debian = `ffprobe version 5.1.9-0+deb12u1 Copyright (c) 2007-2026 the FFmpeg developers
libavutil      57. 28.100 / 57. 28.100
libavcodec     59. 37.100 / 59. 37.100
libavformat    59. 27.100 / 59. 27.100
libavdevice    59.  7.100 / 59.  7.100
`;
const newer = `ffprobe version 7.1 Copyright (c) 2007-2024 the FFmpeg developers
libavutil      59. 39.100 / 59. 39.100
libavcodec     61. 19.100 / 61. 19.100
libavformat    61.  7.100 / 61.  7.100
`;
const pack = (major: number, minor: number, micro: number) => (major << 16) | (minor << 8) | micro;
const server = { avformat: pack(59, 27, 100), avcodec: pack(59, 37, 100), avutil: pack(57, 28, 100) };

describe("librariesDiffer", () => {
  it("finds nothing when the server links the versions ffprobe runs with", () => {
    expect(librariesDiffer(server, debian)).toBeUndefined();
  });

  it("names each library that differs, and one ffprobe does not report", () => {
    expect(librariesDiffer(server, newer)).toBe(
      "libavformat 59.27.100 against 61.7.100, libavcodec 59.37.100 against 61.19.100, libavutil 57.28.100 against 59.39.100",
    );
    expect(librariesDiffer(server, "ffprobe version N-1\nlibavutil      57. 28.100 / 57. 28.100\n")).toBe(
      "libavformat 59.27.100 against none, libavcodec 59.37.100 against none",
    );
  });

  it("reads the version the libraries run with, not the one ffprobe was built against", () => {
    const rebuilt = debian.replace("libavcodec     59. 37.100 / 59. 37.100", "libavcodec     59. 36.100 / 59. 37.100");
    expect(librariesDiffer(server, rebuilt)).toBeUndefined();
  });
});

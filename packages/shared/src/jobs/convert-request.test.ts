import { describe, expect, it } from "vitest";
import { ConvertRequest } from "./convert-request.js";

describe("ConvertRequest", () => {
  it("needs only input", () => {
    expect(ConvertRequest.parse({ input: "a.mkv" })).toEqual({ input: "a.mkv" });
  });

  it.each([
    [{}, "input"],
    [{ input: "a.mkv", surprise: true }, ""],
    [{ input: "a.mkv", options: { crf: "23" } }, "options.crf"],
    [{ input: "a.mkv", options: { video_bitrate: "4 M" } }, "options.video_bitrate"],
    [{ input: "a.mkv", options: { video_bitrate: "-4M" } }, "options.video_bitrate"],
    [{ input: "a.mkv", options: { video_bitrate: "0k" } }, "options.video_bitrate"],
    [{ input: "a.mkv", options: { audio_bitrate: "128kb" } }, "options.audio_bitrate"],
    [{ input: "a.mkv", options: { width: 100000 } }, "options.width"],
    [{ input: "a.mkv", options: { codec: "-i /etc/passwd" } }, "options"],
    [{ input: "a.mkv", priority: 11 }, "priority"],
    [{ input: "a.mkv", webhook_url: "gopher://127.0.0.1:6379/_FLUSHALL" }, "webhook_url"],
    [{ input: "a.mkv", overwrite: "yes" }, "overwrite"],
  ])("refuses %j at %s", (body, path) => {
    const parsed = ConvertRequest.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join(".")).toBe(path);
  });

  it("accepts the full example body of the contract", () => {
    const body = {
      input: "incoming/movie.mkv",
      output: "converted/movie.mp4",
      preset: "h264-720p",
      options: {
        container: "mp4",
        video_codec: "h264",
        crf: 23,
        video_bitrate: "4M",
        width: 1280,
        height: 720,
        fps: 30,
        audio_codec: "aac",
        audio_bitrate: "128k",
        start: 0,
        duration: 60,
        hardware: "auto",
      },
      overwrite: false,
      priority: 5,
      webhook_url: "https://example.invalid/hook",
    };
    expect(ConvertRequest.safeParse(body).success).toBe(true);
  });
});

describe("bitrates", () => {
  it.each(["128k", "4M", "2500000", "0.5M", "1.25m", "96K"])("accepts %s", (value) => {
    expect(ConvertRequest.safeParse({ input: "a.mkv", options: { video_bitrate: value } }).success).toBe(true);
  });
});

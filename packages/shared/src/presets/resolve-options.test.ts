import { describe, expect, it } from "vitest";
import { PRESETS } from "./presets.js";
import { resolveOptions } from "./resolve-options.js";

const resolved = (...args: Parameters<typeof resolveOptions>) => {
  const result = resolveOptions(...args);
  if (!result.ok) throw result.error;
  return result.value;
};

describe("resolveOptions", () => {
  it("defaults to the h264 preset", () => {
    expect(resolved(undefined, undefined).preset).toBe("h264");
    expect(resolved(undefined, undefined).options.video_codec).toBe("h264");
  });

  it("has every preset the issue asks for, each consistent on its own", () => {
    const names = PRESETS.map((p) => p.name);
    for (const name of [
      "h264",
      "h264-720p",
      "h264-1080p",
      "hevc",
      "av1",
      "vp9-webm",
      "remux-mp4",
      "audio-mp3",
      "audio-aac",
    ]) {
      expect(names).toContain(name);
      expect(resolveOptions(name, undefined).ok).toBe(true);
    }
  });

  it("overrides a preset field by field", () => {
    const { options } = resolved("h264-720p", { crf: 18, audio_codec: "opus" });
    expect(options).toMatchObject({ height: 720, crf: 18, audio_codec: "opus", container: "mp4" });
  });

  it("lets a bitrate replace the preset's crf", () => {
    const { options } = resolved("h264", { video_bitrate: "3M" });
    expect(options.crf).toBeNull();
    expect(options.video_bitrate).toBe("3M");
  });

  it("refuses an unknown preset with unknown_preset", () => {
    const result = resolveOptions("h266", undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("unknown_preset");
  });

  it.each([
    [{ container: "webm" as const }, "options.video_codec"],
    [{ container: "mp3" as const }, "options.video_codec"],
    [{ video_codec: "none" as const, audio_codec: "none" as const }, "options.audio_codec"],
    [{ video_codec: "copy" as const, width: 640 }, "options.width"],
    [{ crf: 60 }, "options.crf"],
    [{ width: 641 }, "options.width"],
    [{ audio_codec: "none" as const, audio_bitrate: "96k" }, "options.audio_bitrate"],
  ])("refuses %j, naming %s", (overrides, field) => {
    const result = resolveOptions("h264", overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("validation_failed");
      expect(result.error.details?.field).toBe(field);
    }
  });

  it("drops preset video settings when the client copies the video stream", () => {
    const { options } = resolved("h264-720p", { video_codec: "copy" });
    expect(options).toMatchObject({ video_codec: "copy", height: null, crf: null });
  });

  it("accepts an AV1 crf up to 63", () => {
    expect(resolved("av1", { crf: 63 }).options.crf).toBe(63);
  });

  it("takes the container from the output's extension unless the options name one", () => {
    expect(resolved("h264", undefined, "out/x.mkv").options.container).toBe("mkv");
    expect(resolved("audio-aac", undefined, "out/x.M4A").options.container).toBe("m4a");
    expect(resolved("h264", { container: "mov" }, "out/x.mov").options.container).toBe("mov");
  });

  it.each([
    ["h264", {}, "out/x.out", "output"],
    ["h264", {}, "out/noextension", "output"],
    ["h264", { container: "mkv" as const }, "out/x.mp4", "output"],
    ["h264", {}, "out/x.webm", "options.video_codec"],
  ])("refuses preset %s with %j writing %s, naming %s", (preset, overrides, output, field) => {
    const result = resolveOptions(preset, overrides, output);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.details?.field).toBe(field);
  });
});

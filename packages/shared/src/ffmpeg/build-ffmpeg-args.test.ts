import { describe, expect, it } from "vitest";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { findPreset } from "../presets/presets.js";
import { buildFfmpegArgs, formatCommandLine, formatSeconds } from "./build-ffmpeg-args.js";

const presetOptions = (name: string): ResolvedOptions => {
  const preset = findPreset(name);
  if (!preset) throw new Error(`no preset ${name}`);
  return { ...preset.options };
};

const plan = (options: ResolvedOptions, videoEncoder: string | null = "libx264") => ({
  inputPath: "/media/in put.mkv",
  outputPath: "/media/converted/.out.mp4.job.partial",
  options,
  videoEncoder,
});

/** The value that follows a flag, e.g. flagValue(args, "-c:v"). */
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("buildFfmpegArgs", () => {
  it("builds the default h264 command as an exact argument array", () => {
    expect(buildFfmpegArgs(plan(presetOptions("h264")))).toEqual([
      "-hide_banner",
      "-nostdin",
      "-y",
      "-progress",
      "pipe:1",
      "-nostats",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "mov,matroska,avi,mpegts,mpeg,flv,ogg,asf,mp3,aac,wav,flac,aiff",
      "-i",
      "file:/media/in put.mkv",
      "-map",
      "0:V:0?",
      "-map",
      "0:a:0?",
      "-c:v",
      "libx264",
      "-preset",
      "medium",
      "-crf",
      "23",
      "-vf",
      "crop=w=trunc(iw/2)*2:h=trunc(ih/2)*2:x=0:y=0",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-sn",
      "-dn",
      "-map_metadata",
      "0",
      "-max_muxing_queue_size",
      "1024",
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      "file:/media/converted/.out.mp4.job.partial",
    ]);
  });

  it("adds the decoder's pixel limit before the input and -fs before the output when limits are given", () => {
    const args = buildFfmpegArgs({ ...plan(presetOptions("h264")), maxInputPixels: 921600, maxOutputBytes: 5000 });
    expect(args.slice(args.indexOf("-max_pixels"), args.indexOf("-i") + 1)).toEqual(["-max_pixels", "921600", "-i"]);
    expect(args.slice(-5)).toEqual(["-fs", "5000", "-f", "mp4", "file:/media/converted/.out.mp4.job.partial"]);
  });

  it("opens the input only through the file protocol and allowed demuxers, never playlists or lists", () => {
    const args = buildFfmpegArgs(plan(presetOptions("h264")));
    const beforeInput = args.slice(0, args.indexOf("-i"));
    expect(flagValue(beforeInput, "-protocol_whitelist")).toBe("file");
    const demuxers = flagValue(beforeInput, "-format_whitelist")?.split(",") ?? [];
    for (const refused of ["hls", "concat", "image2", "image2pipe", "tty", "lavfi", "dash", "subviewer"]) {
      expect(demuxers).not.toContain(refused);
    }
    expect(args).not.toContain("-filter_complex");
  });

  it("passes paths only through the file: protocol, so option-like names stay names", () => {
    const args = buildFfmpegArgs({
      ...plan(presetOptions("h264")),
      inputPath: "/m/-y.mp4",
      outputPath: "/m/concat:a|b",
    });
    expect(args).toContain("file:/m/-y.mp4");
    expect(args.at(-1)).toBe("file:/m/concat:a|b");
    expect(args).not.toContain("-y.mp4");
  });

  it("scales to a height keeping the aspect ratio and even width", () => {
    const args = buildFfmpegArgs(plan(presetOptions("h264-720p")));
    expect(flagValue(args, "-vf")).toBe("scale=w=-2:h=720");
  });

  it("fits inside a width x height box and adds an fps filter", () => {
    const args = buildFfmpegArgs(plan({ ...presetOptions("h264"), width: 640, height: 360, fps: 24 }));
    expect(flagValue(args, "-vf")).toBe(
      "scale=w=640:h=360:force_original_aspect_ratio=decrease:force_divisible_by=2,fps=24",
    );
  });

  it.each([
    [
      "no size asked: an odd source loses its last column and row, never resampled",
      {},
      ["crop=w=trunc(iw/2)*2:h=trunc(ih/2)*2:x=0:y=0"],
    ],
    ["an odd width", { width: 853 }, ["scale=w=852:h=-2"]],
    ["an odd height", { height: 481 }, ["scale=w=-2:h=480"]],
    [
      "an odd box",
      { width: 853, height: 481 },
      ["scale=w=853:h=481:force_original_aspect_ratio=decrease:force_divisible_by=2"],
    ],
    ["only a frame rate", { fps: 24 }, ["crop=w=trunc(iw/2)*2:h=trunc(ih/2)*2:x=0:y=0", "fps=24"]],
  ])("keeps both sides of 4:2:0 video even (%s)", (_name, options, filters) => {
    for (const [codec, encoder] of [
      ["h264", "libx264"],
      ["hevc", "libx265"],
      ["av1", "libsvtav1"],
      ["vp9", "libvpx-vp9"],
    ] as const) {
      const container = codec === "vp9" ? "webm" : "mp4";
      const args = buildFfmpegArgs(
        plan({ ...presetOptions("h264"), ...options, video_codec: codec, container, audio_codec: "none" }, encoder),
      );
      expect(flagValue(args, "-vf")).toBe(filters.join(","));
    }
  });

  it("uses a bitrate instead of crf when one is given", () => {
    const args = buildFfmpegArgs(plan({ ...presetOptions("h264"), crf: null, video_bitrate: "4M" }));
    expect(flagValue(args, "-b:v")).toBe("4M");
    expect(args).not.toContain("-crf");
  });

  it("seeks before the input and limits duration on the output", () => {
    const args = buildFfmpegArgs(plan({ ...presetOptions("h264"), start: 1.5, duration: 10 }));
    expect(args.indexOf("-ss")).toBeLessThan(args.indexOf("-i"));
    expect(flagValue(args, "-ss")).toBe("1.5");
    expect(args.indexOf("-t")).toBeGreaterThan(args.indexOf("-i"));
    expect(flagValue(args, "-t")).toBe("10");
  });

  it("copies streams for remux-mp4 without any video filter", () => {
    const args = buildFfmpegArgs(plan(presetOptions("remux-mp4"), null));
    expect(flagValue(args, "-c:v")).toBe("copy");
    expect(flagValue(args, "-c:a")).toBe("copy");
    expect(args).not.toContain("-vf");
    expect(args).not.toContain("-pix_fmt");
  });

  it("drops video for audio-mp3 and downmixes to stereo", () => {
    const args = buildFfmpegArgs(plan(presetOptions("audio-mp3"), null));
    expect(args).toContain("-vn");
    expect(args).not.toContain("0:V:0?");
    expect(flagValue(args, "-c:a")).toBe("libmp3lame");
    expect(flagValue(args, "-ac")).toBe("2");
    expect(flagValue(args, "-f")).toBe("mp3");
  });

  it("writes m4a through the ipod muxer and webm with vp9 + opus", () => {
    expect(flagValue(buildFfmpegArgs(plan(presetOptions("audio-aac"), null)), "-f")).toBe("ipod");
    const webm = buildFfmpegArgs(plan(presetOptions("vp9-webm"), "libvpx-vp9"));
    expect(flagValue(webm, "-c:v")).toBe("libvpx-vp9");
    expect(flagValue(webm, "-c:a")).toBe("libopus");
    expect(flagValue(webm, "-f")).toBe("webm");
    expect(webm).not.toContain("-movflags");
  });

  it("tags HEVC in MP4 as hvc1 and uses NVENC rate control on the GPU", () => {
    const args = buildFfmpegArgs(plan(presetOptions("hevc"), "hevc_nvenc"));
    expect(flagValue(args, "-tag:v")).toBe("hvc1");
    expect(flagValue(args, "-c:v")).toBe("hevc_nvenc");
    expect(flagValue(args, "-cq")).toBe("28");
    expect(flagValue(args, "-rc")).toBe("vbr");
  });

  it("copies the streams that already satisfy the job, as an exact argument array", () => {
    const options = { ...presetOptions("h264-720p") };
    expect(buildFfmpegArgs({ ...plan(options, null), copy: { video: true, audio: true } })).toEqual([
      "-hide_banner",
      "-nostdin",
      "-y",
      "-progress",
      "pipe:1",
      "-nostats",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "mov,matroska,avi,mpegts,mpeg,flv,ogg,asf,mp3,aac,wav,flac,aiff",
      "-i",
      "file:/media/in put.mkv",
      "-map",
      "0:V:0?",
      "-map",
      "0:a:0?",
      "-c:v",
      "copy",
      "-c:a",
      "copy",
      "-sn",
      "-dn",
      "-map_metadata",
      "0",
      "-max_muxing_queue_size",
      "1024",
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      "file:/media/converted/.out.mp4.job.partial",
    ]);
  });

  it("copies one stream and encodes the other; copied HEVC in MP4 is still tagged hvc1", () => {
    const videoOnly = buildFfmpegArgs({ ...plan(presetOptions("hevc"), null), copy: { video: true, audio: false } });
    expect(flagValue(videoOnly, "-c:v")).toBe("copy");
    expect(flagValue(videoOnly, "-tag:v")).toBe("hvc1");
    expect(flagValue(videoOnly, "-c:a")).toBe("aac");
    expect(flagValue(videoOnly, "-b:a")).toBe("128k");
    const audioOnly = buildFfmpegArgs({ ...plan(presetOptions("h264")), copy: { video: false, audio: true } });
    expect(flagValue(audioOnly, "-c:v")).toBe("libx264");
    expect(flagValue(audioOnly, "-c:a")).toBe("copy");
    expect(audioOnly).not.toContain("-b:a");
  });

  it("refuses to build an encode without an encoder", () => {
    expect(() => buildFfmpegArgs(plan(presetOptions("h264"), null))).toThrow(/no encoder/);
  });
});

describe("formatSeconds and formatCommandLine", () => {
  it("never prints exponent notation", () => {
    expect(formatSeconds(0.0000001)).toBe("0");
    expect(formatSeconds(1e21 / 1e15)).toBe("1000000");
    expect(formatSeconds(2.5)).toBe("2.5");
  });

  it("quotes what a shell would otherwise interpret", () => {
    expect(formatCommandLine("ffmpeg", ["-i", "file:/a b/it's.mkv", "-map", "0:V:0?"])).toBe(
      `ffmpeg -i 'file:/a b/it'\\''s.mkv' -map '0:V:0?'`,
    );
  });
});

import { describe, expect, it } from "vitest";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { findPreset } from "../presets/presets.js";
import { buildFfmpegArgs } from "./build-ffmpeg-args.js";

// The GPU argument paths (docs/adr/0017-gpu-pipeline.md) as exact arrays:
// no GPU runs here, so these arrays are what the device check in .gpu/
// replays on a real card.

const options = (name: string, overrides: Partial<ResolvedOptions> = {}): ResolvedOptions => {
  const preset = findPreset(name);
  if (!preset) throw new Error(`no preset ${name}`);
  return { ...preset.options, ...overrides };
};

const HEAD = [
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
  "-max_pixels",
  "35389440",
];
const GPU_INPUT = ["-hwaccel", "cuda", "-hwaccel_output_format", "cuda", "-i", "file:/media/in.mkv"];
const MAPS = ["-map", "0:V:0?", "-map", "0:a:0?"];
const AUDIO_AND_MUX = [
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
  "file:/media/.out.mp4.j.r.partial",
];

const gpuPlan = (o: ResolvedOptions, videoEncoder: string | null) => ({
  inputPath: "/media/in.mkv",
  outputPath: "/media/.out.mp4.j.r.partial",
  options: o,
  videoEncoder,
  maxInputPixels: 35389440,
  gpuDecode: true,
});

describe("buildFfmpegArgs on the GPU", () => {
  it("decodes on NVDEC, scales with scale_cuda and encodes on NVENC without leaving GPU memory", () => {
    expect(buildFfmpegArgs(gpuPlan(options("h264-720p"), "h264_nvenc"))).toEqual([
      ...HEAD,
      ...GPU_INPUT,
      ...MAPS,
      "-c:v",
      "h264_nvenc",
      "-preset",
      "p5",
      "-tune",
      "hq",
      "-rc",
      "vbr",
      "-cq",
      "23",
      "-b:v",
      "0",
      "-vf",
      "scale_cuda=w=-2:h=720:format=nv12",
      ...AUDIO_AND_MUX,
    ]);
  });

  it("downloads the scaled frames as nv12 for a CPU encoder (a card without NVENC)", () => {
    expect(buildFfmpegArgs(gpuPlan(options("h264-720p"), "libx264"))).toEqual([
      ...HEAD,
      ...GPU_INPUT,
      ...MAPS,
      "-c:v",
      "libx264",
      "-preset",
      "medium",
      "-crf",
      "23",
      "-vf",
      "scale_cuda=w=-2:h=720:format=nv12,hwdownload,format=nv12",
      "-pix_fmt",
      "yuv420p",
      ...AUDIO_AND_MUX,
    ]);
  });

  it("still converts to 8-bit 4:2:0 on the GPU when the size is kept, and fits a box with the same rules as scale", () => {
    const keep = buildFfmpegArgs(gpuPlan(options("h264"), "h264_nvenc"));
    expect(keep[keep.indexOf("-vf") + 1]).toBe("scale_cuda=format=nv12");
    expect(keep).not.toContain("-pix_fmt");
    const box = buildFfmpegArgs(gpuPlan(options("h264", { width: 1280, height: 720, fps: 30 }), "libx264"));
    expect(box[box.indexOf("-vf") + 1]).toBe(
      "scale_cuda=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2:format=nv12,hwdownload,format=nv12,fps=30",
    );
  });

  it("keeps the CPU path byte for byte when the GPU does not decode", () => {
    const cpu = buildFfmpegArgs({ ...gpuPlan(options("h264-720p"), "h264_nvenc"), gpuDecode: false });
    expect(cpu).not.toContain("-hwaccel");
    expect(cpu[cpu.indexOf("-vf") + 1]).toBe("scale=w=-2:h=720");
    expect(cpu.slice(cpu.indexOf("-pix_fmt"), cpu.indexOf("-pix_fmt") + 2)).toEqual(["-pix_fmt", "yuv420p"]);
  });

  it("never asks NVDEC for a stream that is copied or dropped", () => {
    for (const codec of ["copy", "none"] as const) {
      const args = buildFfmpegArgs(gpuPlan(options("h264", { video_codec: codec }), null));
      expect(args).not.toContain("-hwaccel");
      expect(args.join(" ")).not.toContain("scale_cuda");
    }
  });
});

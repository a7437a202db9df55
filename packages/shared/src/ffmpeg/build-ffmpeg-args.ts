import type { Container, EncodedVideoCodec } from "../jobs/media-words.js";
import { DEFAULT_CRF } from "../jobs/option-fields.js";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { inputSafetyArgs } from "../probe/input-safety.js";
import { AUDIO_ENCODERS, isNvencEncoder, MUXERS } from "./encoders.js";

export type FfmpegPlan = {
  /** Absolute, already-resolved path of the input under MEDIA_ROOT. */
  inputPath: string;
  /** Absolute path ffmpeg writes to (the temporary file beside the target). */
  outputPath: string;
  options: ResolvedOptions;
  /** The ffmpeg encoder chosen for the video stream; null when video is copied or dropped. */
  videoEncoder: string | null;
  /** The decoder refuses frames larger than this (MAX_INPUT_PIXELS), before the probe's verdict arrives. */
  maxInputPixels?: number;
  /** ffmpeg stops writing past this size (MAX_OUTPUT_BYTES, `-fs`). */
  maxOutputBytes?: number;
  /**
   * Decode on NVDEC and scale with `scale_cuda`: frames stay in GPU memory
   * up to an NVENC encoder, or are downloaded as 8-bit 4:2:0 for a CPU one
   * (docs/adr/0017-gpu-pipeline.md). Only where the worker's start-up test
   * proved it, and only for an input NVDEC accepts.
   */
  gpuDecode?: boolean;
  /**
   * Streams of the input that already satisfy the job and are copied, not
   * encoded (the worker decides from the probe; docs/adr/0022-copy-what-needs-no-re-encode.md).
   */
  copy?: { video: boolean; audio: boolean };
};

/**
 * How every ffmpeg run of the worker starts: no banner, no stdin, overwrite
 * (the target is a temporary file of its own), and progress as key=value
 * lines on stdout instead of the stats line (worker/src/ffmpeg parses them).
 */
export const RUN_ARGS = ["-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats"] as const;

/** For the MP4 family, the moov atom first, so players can start before the whole file is read. */
export function fastStartArgs(container: Container): string[] {
  return container === "mp4" || container === "mov" || container === "m4a" ? ["-movflags", "+faststart"] : [];
}

/** Input options of the GPU path: NVDEC decodes and keeps the frames in GPU memory. */
export const GPU_DECODE_ARGS = ["-hwaccel", "cuda", "-hwaccel_output_format", "cuda"] as const;

/**
 * The one place ffmpeg arguments are made (docs/conventions.md, rule 8).
 * Every value comes from validated, resolved options or from paths resolved
 * under MEDIA_ROOT; paths go through the `file:` protocol so a name such as
 * `-y.mp4` or `concat:x|y` is only ever a file name. No shell is involved.
 * The input may only be a local file in an allowed container
 * (inputSafetyArgs), and no client string becomes a filter or an option.
 */
export function buildFfmpegArgs(plan: FfmpegPlan): string[] {
  const { options: o } = plan;
  const args: string[] = [...RUN_ARGS];
  // Seeking before -i is fast and, since ffmpeg 2.1, frame-accurate when re-encoding.
  if (o.start !== null && o.start > 0) args.push("-ss", formatSeconds(o.start));
  args.push(...inputSafetyArgs());
  if (plan.maxInputPixels !== undefined) args.push("-max_pixels", String(plan.maxInputPixels));
  if (decodesOnGpu(plan)) args.push(...GPU_DECODE_ARGS);
  args.push("-i", `file:${plan.inputPath}`);

  // First real video stream (capital V skips cover art) and first audio stream;
  // the trailing '?' lets an audio-only input through an audio+video preset.
  if (o.video_codec !== "none") args.push("-map", "0:V:0?");
  if (o.audio_codec !== "none") args.push("-map", "0:a:0?");
  if (o.duration !== null) args.push("-t", formatSeconds(o.duration));

  args.push(...videoArgs(plan));
  args.push(...(plan.copy?.audio ? ["-c:a", "copy"] : audioArgs(o)));
  args.push("-sn", "-dn", "-map_metadata", "0", "-max_muxing_queue_size", "1024");
  args.push(...fastStartArgs(o.container));
  if (plan.maxOutputBytes !== undefined) args.push("-fs", String(plan.maxOutputBytes));
  args.push("-f", MUXERS[o.container], `file:${plan.outputPath}`);
  return args;
}

function videoArgs(plan: FfmpegPlan): string[] {
  const { options: o, videoEncoder } = plan;
  if (o.video_codec === "none") return ["-vn"];
  if (o.video_codec === "copy") return ["-c:v", "copy"];
  if (plan.copy?.video) return ["-c:v", "copy", ...appleHevcTag(o)];
  if (!videoEncoder) throw new Error(`no encoder chosen for video_codec ${o.video_codec}`);

  const args = ["-c:v", videoEncoder, ...qualityArgs(videoEncoder, o)];
  const gpuFrames = decodesOnGpu(plan);
  const filters = gpuFrames ? gpuVideoFilters(o, isNvencEncoder(videoEncoder)) : videoFilters(o);
  if (filters.length > 0) args.push("-vf", filters.join(","));
  // 8-bit 4:2:0 is what every hardware decoder and browser plays. Frames that
  // stay in GPU memory for NVENC got that format from scale_cuda already: a
  // -pix_fmt there would make ffmpeg try to convert CUDA frames on the CPU.
  if (!gpuFrames || !isNvencEncoder(videoEncoder)) args.push("-pix_fmt", "yuv420p");
  args.push(...appleHevcTag(o));
  return args;
}

/** Apple players only accept HEVC in MP4 tagged hvc1, copied or encoded. */
function appleHevcTag(o: ResolvedOptions): string[] {
  return o.video_codec === "hevc" && (o.container === "mp4" || o.container === "mov") ? ["-tag:v", "hvc1"] : [];
}

function qualityArgs(encoder: string, o: ResolvedOptions): string[] {
  const bitrate = o.video_bitrate;
  const crf = String(o.crf ?? DEFAULT_CRF[o.video_codec as EncodedVideoCodec]);
  if (isNvencEncoder(encoder)) {
    const rate = bitrate ? ["-rc", "vbr", "-b:v", bitrate] : ["-rc", "vbr", "-cq", crf, "-b:v", "0"];
    return ["-preset", "p5", "-tune", "hq", ...rate];
  }
  switch (encoder) {
    case "libx264":
      return ["-preset", "medium", ...(bitrate ? ["-b:v", bitrate] : ["-crf", crf])];
    case "libx265":
      return ["-preset", "medium", "-x265-params", "log-level=error", ...(bitrate ? ["-b:v", bitrate] : ["-crf", crf])];
    case "libsvtav1":
      return ["-preset", "8", ...(bitrate ? ["-b:v", bitrate] : ["-crf", crf])];
    case "libvpx-vp9":
      return [
        "-deadline",
        "good",
        "-cpu-used",
        "4",
        "-row-mt",
        "1",
        ...(bitrate ? ["-b:v", bitrate] : ["-crf", crf, "-b:v", "0"]),
      ];
    default:
      return bitrate ? ["-b:v", bitrate] : [];
  }
}

function decodesOnGpu(plan: FfmpegPlan): boolean {
  const codec = plan.options.video_codec;
  return (
    plan.gpuDecode === true && plan.videoEncoder !== null && codec !== "copy" && codec !== "none" && !plan.copy?.video
  );
}

/**
 * The size options of `scale` and `scale_cuda` alike; empty when the job
 * keeps the input's size. Every encoded video comes out 8-bit 4:2:0, whose
 * chroma planes are half the picture: x264, x265 and SVT-AV1 refuse an odd
 * width or height. So the box keeps both sides even (force_divisible_by),
 * and a single side is rounded down to even (the other side's -2 is even).
 */
function sizeOptions(o: ResolvedOptions): string[] {
  if (o.width !== null && o.height !== null) {
    return [`w=${o.width}`, `h=${o.height}`, "force_original_aspect_ratio=decrease", "force_divisible_by=2"];
  }
  if (o.width !== null) return [`w=${even(o.width)}`, "h=-2"];
  if (o.height !== null) return ["w=-2", `h=${even(o.height)}`];
  return [];
}

/**
 * On the CPU, a source kept at its size is cropped by at most its last
 * column and row (no resampling, no black line; a no-op on even sizes): an
 * 853x481 source encodes at 852x480. The source size is not known here
 * (ADR 0006: the arguments are built before the probe answers), so this
 * holds for any size.
 */
function videoFilters(o: ResolvedOptions): string[] {
  const size = sizeOptions(o);
  const filters = [size.length > 0 ? `scale=${size.join(":")}` : EVEN_CROP];
  if (o.fps !== null) filters.push(`fps=${o.fps}`);
  return filters;
}

const EVEN_CROP = "crop=w=trunc(iw/2)*2:h=trunc(ih/2)*2:x=0:y=0";
const even = (size: number) => size - (size % 2);

/**
 * The GPU path: scale_cuda resizes (when asked) and always converts to
 * 8-bit 4:2:0 (nv12), so a 10-bit input still gives the output every player
 * takes; a CPU encoder then gets the frames downloaded to system memory.
 * `fps` only drops or repeats frames, so it runs wherever the frames are.
 */
function gpuVideoFilters(o: ResolvedOptions, nvenc: boolean): string[] {
  const filters = [`scale_cuda=${[...sizeOptions(o), "format=nv12"].join(":")}`];
  if (!nvenc) filters.push("hwdownload", "format=nv12");
  if (o.fps !== null) filters.push(`fps=${o.fps}`);
  return filters;
}

function audioArgs(o: ResolvedOptions): string[] {
  if (o.audio_codec === "none") return ["-an"];
  if (o.audio_codec === "copy") return ["-c:a", "copy"];
  const args = ["-c:a", AUDIO_ENCODERS[o.audio_codec]];
  if (o.audio_bitrate !== null) args.push("-b:a", o.audio_bitrate);
  // LAME encodes at most two channels; downmix surround rather than fail.
  if (o.audio_codec === "mp3") args.push("-ac", "2");
  return args;
}

/** Seconds as ffmpeg reads them: plain decimal, never exponent notation. */
export function formatSeconds(seconds: number): string {
  return Number(seconds.toFixed(6)).toString();
}

/** A command line as a person would paste it into a shell, for the job log. */
export function formatCommandLine(binary: string, args: readonly string[]): string {
  return [binary, ...args].map(shellQuote).join(" ");
}

function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=+,@%-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

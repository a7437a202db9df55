import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type ClipSpec = {
  width?: number;
  height?: number;
  seconds?: number;
  rate?: number;
  video?: boolean;
  audio?: boolean;
  /** ffmpeg audio encoder for the clip, e.g. "aac" or "pcm_s16le". */
  audioCodec?: string;
  /** The ffmpeg binary that makes it; ffmpeg on PATH when left out. */
  ffmpegPath?: string;
  /** Pixel format of the H.264 video, e.g. "yuv422p10le" for High 4:2:2 10-bit; yuv420p when left out. */
  pixFmt?: string;
  /** Keyframe interval in frames (x264's -g); x264's own default (250) when left out. */
  gop?: number;
};

/**
 * Makes a real media file from ffmpeg's lavfi sources (testsrc2 picture,
 * sine tone) so tests never depend on committed binaries.
 */
export async function makeClip(file: string, spec: ClipSpec = {}): Promise<string> {
  const { width = 320, height = 240, seconds = 1, rate = 25, video = true, audio = true } = spec;
  mkdirSync(path.dirname(file), { recursive: true });
  const args = ["-hide_banner", "-loglevel", "error", "-y"];
  if (video) args.push("-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${rate}:duration=${seconds}`);
  if (audio) args.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  if (video) args.push("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", spec.pixFmt ?? "yuv420p");
  if (video && spec.gop !== undefined) args.push("-g", String(spec.gop));
  if (audio) args.push("-c:a", spec.audioCodec ?? "aac");
  args.push(file);
  await run(spec.ffmpegPath ?? "ffmpeg", args);
  return file;
}

export type Probed = {
  format: { duration?: string; format_name?: string };
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
};

export async function probe(file: string): Promise<Probed> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    file,
  ]);
  return JSON.parse(stdout) as Probed;
}

/** Polls until check returns a value, or fails after the deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

import type { Container, EncodedAudioCodec, EncodedVideoCodec } from "../jobs/media-words.js";

/**
 * Which ffmpeg encoder serves each API codec word, on the GPU (NVENC) and on
 * the CPU. VP9 has no NVENC encoder.
 */
export const VIDEO_ENCODERS: Record<EncodedVideoCodec, { gpu: string | null; cpu: string }> = {
  h264: { gpu: "h264_nvenc", cpu: "libx264" },
  hevc: { gpu: "hevc_nvenc", cpu: "libx265" },
  av1: { gpu: "av1_nvenc", cpu: "libsvtav1" },
  vp9: { gpu: null, cpu: "libvpx-vp9" },
};

export const AUDIO_ENCODERS: Record<EncodedAudioCodec, string> = {
  aac: "aac",
  opus: "libopus",
  mp3: "libmp3lame",
};

/** ffmpeg muxer names: the output is a temporary file whose extension must not decide the format. */
export const MUXERS: Record<Container, string> = {
  mp4: "mp4",
  mkv: "matroska",
  mov: "mov",
  webm: "webm",
  mp3: "mp3",
  m4a: "ipod",
  ogg: "ogg",
};

export const NVENC_ENCODERS = Object.values(VIDEO_ENCODERS)
  .map((e) => e.gpu)
  .filter((name): name is string => name !== null);

export function isNvencEncoder(encoder: string): boolean {
  return encoder.endsWith("_nvenc");
}

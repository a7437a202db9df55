import { DEFAULT_CRF } from "../jobs/option-fields.js";
import type { ResolvedOptions } from "../jobs/resolved-options.js";

export type Preset = {
  name: string;
  description: string;
  options: ResolvedOptions;
};

const base: ResolvedOptions = {
  container: "mp4",
  video_codec: "h264",
  crf: DEFAULT_CRF.h264,
  video_bitrate: null,
  width: null,
  height: null,
  fps: null,
  audio_codec: "aac",
  audio_bitrate: "128k",
  start: null,
  duration: null,
  hardware: "auto",
};

const audioOnly = { video_codec: "none", crf: null } as const;

/** The preset catalogue (docs/design.md §3.3). `h264` is the default. */
export const PRESETS: readonly Preset[] = [
  { name: "h264", description: "H.264 + AAC in MP4 at the source size; plays everywhere", options: base },
  {
    name: "h264-720p",
    description: "H.264 + AAC in MP4, scaled to 720 lines",
    options: { ...base, height: 720 },
  },
  {
    name: "h264-1080p",
    description: "H.264 + AAC in MP4, scaled to 1080 lines",
    options: { ...base, height: 1080 },
  },
  {
    name: "hevc",
    description: "HEVC (H.265) + AAC in MP4: about half the size of H.264 at similar quality",
    options: { ...base, video_codec: "hevc", crf: DEFAULT_CRF.hevc },
  },
  {
    name: "av1",
    description: "AV1 + Opus in MP4: smallest files, slowest to encode on the CPU",
    options: { ...base, video_codec: "av1", crf: DEFAULT_CRF.av1, audio_codec: "opus", audio_bitrate: "128k" },
  },
  {
    name: "vp9-webm",
    description: "VP9 + Opus in WebM for browsers",
    options: {
      ...base,
      container: "webm",
      video_codec: "vp9",
      crf: DEFAULT_CRF.vp9,
      audio_codec: "opus",
      audio_bitrate: "128k",
    },
  },
  {
    name: "remux-mp4",
    description: "Copy the first video and audio stream into MP4 without re-encoding",
    options: { ...base, video_codec: "copy", crf: null, audio_codec: "copy", audio_bitrate: null },
  },
  {
    name: "audio-mp3",
    description: "Audio only, MP3 at 192 kbit/s",
    options: { ...base, ...audioOnly, container: "mp3", audio_codec: "mp3", audio_bitrate: "192k" },
  },
  {
    name: "audio-aac",
    description: "Audio only, AAC at 160 kbit/s in M4A",
    options: { ...base, ...audioOnly, container: "m4a", audio_codec: "aac", audio_bitrate: "160k" },
  },
];

export const DEFAULT_PRESET = "h264";

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((preset) => preset.name === name);
}

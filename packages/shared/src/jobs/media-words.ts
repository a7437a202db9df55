/**
 * The API's own words for containers and codecs (docs/design.md §3.3). The
 * worker maps them to ffmpeg muxers and encoders; clients never name an
 * ffmpeg encoder themselves.
 */
export const CONTAINERS = ["mp4", "mkv", "mov", "webm", "mp3", "m4a", "ogg"] as const;
export type Container = (typeof CONTAINERS)[number];

export const VIDEO_CODECS = ["h264", "hevc", "av1", "vp9", "copy", "none"] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];
/** The video codecs that mean an encode (not a copy, not dropping the stream). */
export type EncodedVideoCodec = Exclude<VideoCodec, "copy" | "none">;

export const AUDIO_CODECS = ["aac", "opus", "mp3", "copy", "none"] as const;
export type AudioCodec = (typeof AUDIO_CODECS)[number];
export type EncodedAudioCodec = Exclude<AudioCodec, "copy" | "none">;

/**
 * Where video may be encoded: a job's `options.hardware` and a worker's
 * HARDWARE setting use the same three words.
 */
export const HARDWARE_MODES = ["auto", "gpu", "cpu"] as const;
export type HardwareMode = (typeof HARDWARE_MODES)[number];

/** What each container can hold; `copy` is checked by ffmpeg itself. */
export const CONTAINER_RULES: Record<Container, { video: readonly VideoCodec[]; audio: readonly AudioCodec[] }> = {
  mp4: {
    video: ["h264", "hevc", "av1", "copy", "none"],
    audio: ["aac", "mp3", "opus", "copy", "none"],
  },
  mov: { video: ["h264", "hevc", "copy", "none"], audio: ["aac", "mp3", "copy", "none"] },
  mkv: {
    video: ["h264", "hevc", "av1", "vp9", "copy", "none"],
    audio: ["aac", "opus", "mp3", "copy", "none"],
  },
  webm: { video: ["vp9", "av1", "copy", "none"], audio: ["opus", "copy", "none"] },
  mp3: { video: ["none"], audio: ["mp3", "copy"] },
  m4a: { video: ["none"], audio: ["aac", "copy"] },
  ogg: { video: ["none"], audio: ["opus", "copy"] },
};

/** File extensions that name a container, the first of each being the one a default output gets. */
export const CONTAINER_EXTENSIONS: Record<Container, readonly string[]> = {
  mp4: ["mp4", "m4v"],
  mov: ["mov"],
  mkv: ["mkv"],
  webm: ["webm"],
  mp3: ["mp3"],
  m4a: ["m4a"],
  ogg: ["ogg", "oga", "opus"],
};

/** The container an output file name asks for (`x.webm` → webm), if its extension names one. */
export function containerOfFileName(fileName: string): Container | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (!extension) return undefined;
  return CONTAINERS.find((container) => CONTAINER_EXTENSIONS[container].includes(extension));
}

/**
 * Whether a stream that already satisfies the job may be copied instead of
 * re-encoded (docs/adr/0022-copy-what-needs-no-re-encode.md): `auto` (the
 * default) copies it, `never` always re-encodes.
 */
export const STREAM_COPY_MODES = ["auto", "never"] as const;
export type StreamCopyMode = (typeof STREAM_COPY_MODES)[number];
export const DEFAULT_STREAM_COPY: StreamCopyMode = "auto";

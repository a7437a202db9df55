import { z } from "zod";

/** What ffprobe prints with `-show_format -show_streams`, as far as anyone here reads it. */
export const ProbeJson = z.object({
  streams: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        profile: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        pix_fmt: z.string().optional(),
        bits_per_raw_sample: z.string().optional(),
        avg_frame_rate: z.string().optional(),
        r_frame_rate: z.string().optional(),
        field_order: z.string().optional(),
        channels: z.number().optional(),
        sample_rate: z.string().optional(),
        bit_rate: z.string().optional(),
        duration: z.string().optional(),
        disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
        tags: z.looseObject({ BPS: z.string().optional() }).optional(),
      }),
    )
    .default([]),
  format: z
    .looseObject({
      duration: z.string().optional(),
      format_name: z.string().optional(),
      size: z.string().optional(),
      bit_rate: z.string().optional(),
    })
    .optional(),
});
export type ProbeJson = z.infer<typeof ProbeJson>;

/** One stream of a file, in ffprobe's words; null where ffprobe did not say. */
export type StreamInfo = {
  index: number;
  /** video, audio, subtitle, data, attachment */
  type: string;
  codec: string | null;
  profile: string | null;
  width: number | null;
  height: number | null;
  /** Average frames per second (avg_frame_rate). */
  frameRate: number | null;
  /** Whether every frame lasts the same (r_frame_rate equals avg_frame_rate); null when unknown. */
  constantFrameRate: boolean | null;
  pixFmt: string | null;
  /** Bits per sample of a video stream, from ffprobe or from its pixel format. */
  bitDepth: number | null;
  /** progressive, tt, bb, tb, bt, or null when unknown. */
  fieldOrder: string | null;
  channels: number | null;
  sampleRate: number | null;
  /** Bits per second; Matroska keeps it in the BPS tag, when its muxer wrote one. */
  bitRate: number | null;
  durationSeconds: number | null;
  /** Cover art: a picture attached to an audio file, not a video to convert. */
  attachedPic: boolean;
};

export type MediaInfo = {
  formatName: string | null;
  durationSeconds: number | null;
  sizeBytes: number | null;
  /** The whole file's bits per second. */
  bitRate: number | null;
  /** The first real video stream (cover art skipped) and the first audio stream: what a job maps. */
  video: StreamInfo | null;
  audio: StreamInfo | null;
  streams: StreamInfo[];
  streamCount: number;
  /** Sizes of every video stream, cover art included: the limits apply to what any decoder might be asked to open. */
  frameSizes: { width: number; height: number }[];
};

function positive(text: string | undefined): number | null {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}

/** "30000/1001" → 29.97…; "0/0" and garbage → null. */
export function parseFrameRate(text: string | undefined): number | null {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? "");
  if (!match) return positive(text);
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? rate : null;
}

/** yuv420p10le → 10, p010le → 10, yuv420p → 8, rgb24 → 8; unknown formats → null. */
export function bitDepthOfPixFmt(pixFmt: string | null): number | null {
  if (!pixFmt) return null;
  const explicit = /(?:p|le|be)?(\d{2})(?:le|be)$/.exec(pixFmt) ?? /^p0(\d{2})/.exec(pixFmt);
  if (explicit) return Number(explicit[1]);
  if (/^(yuvj?|nv|gray|rgb|bgr|argb|rgba|abgr|bgra|gbr)/.test(pixFmt)) return 8;
  return null;
}

type RawStream = ProbeJson["streams"][number];

function toStreamInfo(s: RawStream, position: number): StreamInfo {
  const pixFmt = s.pix_fmt ?? null;
  const avg = parseFrameRate(s.avg_frame_rate);
  const real = parseFrameRate(s.r_frame_rate);
  const isVideo = s.codec_type === "video";
  return {
    index: s.index ?? position,
    type: s.codec_type ?? "unknown",
    codec: s.codec_name ?? null,
    profile: s.profile ?? null,
    width: s.width ?? null,
    height: s.height ?? null,
    frameRate: isVideo ? (avg ?? real) : null,
    constantFrameRate: isVideo && avg !== null && real !== null ? Math.abs(avg - real) < 0.001 : null,
    pixFmt,
    bitDepth: isVideo ? (positive(s.bits_per_raw_sample) ?? bitDepthOfPixFmt(pixFmt)) : positive(s.bits_per_raw_sample),
    fieldOrder: s.field_order ?? null,
    channels: s.channels ?? null,
    sampleRate: positive(s.sample_rate),
    bitRate: positive(s.bit_rate) ?? positive(s.tags?.BPS),
    durationSeconds: positive(s.duration),
    attachedPic: s.disposition?.attached_pic === 1,
  };
}

/** ffprobe's description as the one shape both processes read. */
export function toMediaInfo(probe: ProbeJson): MediaInfo {
  const streams = probe.streams.map(toStreamInfo);
  const durations = streams.map((s) => s.durationSeconds).filter((d): d is number => d !== null);
  return {
    formatName: probe.format?.format_name ?? null,
    durationSeconds: positive(probe.format?.duration) ?? (durations.length ? Math.max(...durations) : null),
    sizeBytes: positive(probe.format?.size),
    bitRate: positive(probe.format?.bit_rate),
    video: streams.find((s) => s.type === "video" && !s.attachedPic) ?? null,
    audio: streams.find((s) => s.type === "audio") ?? null,
    streams,
    streamCount: streams.length,
    frameSizes: streams.filter((s) => s.type === "video").map((s) => ({ width: s.width ?? 0, height: s.height ?? 0 })),
  };
}

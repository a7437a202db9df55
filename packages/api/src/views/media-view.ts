import type { MediaDescription } from "@converter/shared/files";
import type { MediaInfo } from "@converter/shared/probe";

const int = (value: number | null) => (value === null ? null : Math.round(value));
const rounded = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));

/** What POST /probe answers: ffprobe's facts in the contract's words. */
export function toMediaDescription(input: string, sizeBytes: number, info: MediaInfo): MediaDescription {
  return {
    input,
    container: info.formatName,
    duration_seconds: rounded(info.durationSeconds, 3),
    size_bytes: sizeBytes,
    bit_rate: int(info.bitRate),
    streams: info.streams.map((s) => ({
      index: s.index,
      type: s.type,
      codec: s.codec,
      profile: s.profile,
      width: s.width,
      height: s.height,
      frame_rate: rounded(s.frameRate, 3),
      pix_fmt: s.pixFmt,
      bit_depth: int(s.bitDepth),
      channels: s.channels,
      sample_rate: int(s.sampleRate),
      bit_rate: int(s.bitRate),
      duration_seconds: rounded(s.durationSeconds, 3),
      attached_pic: s.attachedPic,
    })),
  };
}

import type { ResolvedOptions, StreamCopyMode, StreamOutcome } from "@converter/shared/jobs";
import type { MediaInfo, StreamInfo } from "@converter/shared/probe";

/** ffprobe's codec_name for each codec word the API encodes to. */
const VIDEO_CODEC_NAMES: Record<string, string> = { h264: "h264", hevc: "hevc", av1: "av1", vp9: "vp9" };
const AUDIO_CODEC_NAMES: Record<string, string> = { aac: "aac", opus: "opus", mp3: "mp3" };
/** What the encode writes (`-pix_fmt yuv420p`): 8-bit 4:2:0, which every hardware decoder and browser plays. */
const PLAYABLE_PIX_FMT = "yuv420p";
const INTERLACED = new Set(["tt", "bb", "tb", "bt"]);

/** Which streams are copied instead of encoded, and what the job says of each. */
export type CopyPlan = { video: boolean; audio: boolean; streams: StreamOutcome[] };

type Job = { options: ResolvedOptions; stream_copy?: StreamCopyMode | undefined };

const encodes = (codec: string) => codec !== "copy" && codec !== "none";

/**
 * Why no stream of this job can be copied, whatever the input holds, or
 * undefined when a copy is possible: then the input is probed before ffmpeg
 * starts (ADR 0022), since the arguments depend on what it holds.
 */
export function whyNoCopy(job: Job): string | undefined {
  const o = job.options;
  if (job.stream_copy === "never") return "stream_copy is never";
  if (!encodes(o.video_codec) && !encodes(o.audio_codec)) return "the job encodes no stream";
  // A copy can only cut at a keyframe; the encode cuts at the exact time asked.
  if (o.start !== null || o.duration !== null)
    return "start or duration trims the input, which a copy cannot do exactly";
  return undefined;
}

/**
 * Decides per stream: copy the input's stream when it already has what the
 * job asks for (codec, size, frame rate, bitrate ceiling, a pixel format
 * every player takes), encode it otherwise. Pure: the probe's facts and the
 * job's options in, the decision and its reasons out.
 */
export function decideStreamCopy(info: MediaInfo, job: Job): CopyPlan {
  const o = job.options;
  const noCopy = whyNoCopy(job);
  const streams: StreamOutcome[] = [];
  let video = false;
  let audio = false;
  if (info.video && o.video_codec !== "none") {
    const codec = VIDEO_CODEC_NAMES[o.video_codec] ?? info.video.codec;
    if (o.video_codec === "copy") {
      streams.push({ type: "video", action: "copied", codec: info.video.codec, reason: "video_codec is copy" });
    } else {
      const why = noCopy ?? videoMismatch(info.video, o, info.bitRate);
      video = why === undefined;
      streams.push({
        type: "video",
        action: video ? "copied" : "encoded",
        codec,
        reason: why ?? satisfies(info.video),
      });
    }
  }
  if (info.audio && o.audio_codec !== "none") {
    const codec = AUDIO_CODEC_NAMES[o.audio_codec] ?? info.audio.codec;
    if (o.audio_codec === "copy") {
      streams.push({ type: "audio", action: "copied", codec: info.audio.codec, reason: "audio_codec is copy" });
    } else {
      const why = noCopy ?? audioMismatch(info.audio, o);
      audio = why === undefined;
      streams.push({
        type: "audio",
        action: audio ? "copied" : "encoded",
        codec,
        reason: why ?? satisfies(info.audio),
      });
    }
  }
  return { video, audio, streams };
}

function satisfies(stream: StreamInfo): string {
  return `the input's ${stream.type} stream already satisfies the job`;
}

/** What in the input's video the job would change, or undefined when nothing. */
function videoMismatch(v: StreamInfo, o: ResolvedOptions, fileBitRate: number | null): string | undefined {
  const wanted = VIDEO_CODEC_NAMES[o.video_codec];
  if (v.codec !== wanted) return `the input's video is ${v.codec ?? "of an unknown codec"}, the job asks for ${wanted}`;
  if (v.pixFmt !== PLAYABLE_PIX_FMT) {
    return `the input's pixel format is ${v.pixFmt ?? "unknown"}, not ${PLAYABLE_PIX_FMT} (8-bit 4:2:0)`;
  }
  if (v.fieldOrder !== null && INTERLACED.has(v.fieldOrder)) return "the input's video is interlaced";
  const size = sizeMismatch(v.width, v.height, o);
  if (size) return size;
  if (o.fps !== null && !(v.constantFrameRate && v.frameRate !== null && Math.abs(v.frameRate - o.fps) < 0.01)) {
    const rate = v.frameRate === null ? "unknown" : `${Number(v.frameRate.toFixed(3))}`;
    return `the input's frame rate is ${rate}${v.constantFrameRate === false ? " (variable)" : ""}, the job asks for ${o.fps}`;
  }
  if (o.video_bitrate !== null) {
    // A container that records no per-stream rate (Matroska from ffmpeg) still bounds it by the whole file's.
    return overCeiling("video", v.bitRate ?? fileBitRate, o.video_bitrate);
  }
  return undefined;
}

/**
 * The encode scales to fit the asked box, keeping the aspect ratio: it leaves
 * the picture alone only when one side already equals the box and the other
 * fits (or, with one side asked, when that side is already right).
 */
function sizeMismatch(w: number | null, h: number | null, o: ResolvedOptions): string | undefined {
  if (o.width === null && o.height === null) return undefined;
  const asked = `${o.width ?? "any"}x${o.height ?? "any"}`;
  if (w === null || h === null) return `the input's picture size is unknown, the job asks for ${asked}`;
  const fits =
    o.width !== null && o.height !== null
      ? (w === o.width && h <= o.height) || (h === o.height && w <= o.width)
      : (o.width === null || w === o.width) && (o.height === null || h === o.height);
  return fits ? undefined : `the input is ${w}x${h}, the job asks for ${asked}`;
}

function audioMismatch(a: StreamInfo, o: ResolvedOptions): string | undefined {
  const wanted = AUDIO_CODEC_NAMES[o.audio_codec];
  if (a.codec !== wanted) return `the input's audio is ${a.codec ?? "of an unknown codec"}, the job asks for ${wanted}`;
  // The MP3 encode downmixes to stereo (LAME's limit): more channels are not what the job makes.
  if (o.audio_codec === "mp3" && (a.channels === null || a.channels > 2)) {
    return `the input's MP3 has ${a.channels ?? "an unknown number of"} channels, the job makes stereo`;
  }
  if (o.audio_bitrate !== null) return overCeiling("audio", a.bitRate, o.audio_bitrate);
  return undefined;
}

function overCeiling(type: string, bitRate: number | null, ceiling: string): string | undefined {
  if (bitRate === null) return `the input's ${type} bitrate is unknown, the job asks for at most ${ceiling}`;
  if (bitRate <= bitsPerSecond(ceiling)) return undefined;
  return `the input's ${type} is ${Math.round(bitRate / 1000)} kbit/s, above the job's ${ceiling}`;
}

/** "4M" → 4000000, "128k" → 128000, "2500000" → 2500000 (ffmpeg's decimal suffixes). */
export function bitsPerSecond(bitrate: string): number {
  const factor = /[kK]$/.test(bitrate) ? 1000 : /[mM]$/.test(bitrate) ? 1_000_000 : 1;
  return Number.parseFloat(bitrate) * factor;
}

import type { MediaInfo, StreamInfo } from "@converter/shared/probe";

/** A probed stream for tests of what the worker decides from one: an 8-bit 4:2:0 H.264 picture by default. */
export function streamInfo(over: Partial<StreamInfo> = {}): StreamInfo {
  return {
    index: 0,
    type: "video",
    codec: "h264",
    profile: "High",
    width: 320,
    height: 240,
    frameRate: 25,
    constantFrameRate: true,
    pixFmt: "yuv420p",
    bitDepth: 8,
    fieldOrder: "progressive",
    channels: null,
    sampleRate: null,
    bitRate: null,
    durationSeconds: 10,
    attachedPic: false,
    ...over,
  };
}

/** A stereo AAC stream at 48 kHz. */
export function audioStreamInfo(over: Partial<StreamInfo> = {}): StreamInfo {
  return streamInfo({
    index: 1,
    type: "audio",
    codec: "aac",
    profile: "LC",
    width: null,
    height: null,
    frameRate: null,
    constantFrameRate: null,
    pixFmt: null,
    bitDepth: null,
    fieldOrder: null,
    channels: 2,
    sampleRate: 48_000,
    bitRate: 128_000,
    ...over,
  });
}

/** A probed file: Matroska with the video and audio above, unless told otherwise. */
export function mediaInfo(over: Partial<MediaInfo> = {}): MediaInfo {
  const video = over.video === undefined ? streamInfo() : over.video;
  const audio = over.audio === undefined ? audioStreamInfo() : over.audio;
  const streams = [video, audio].filter((s): s is StreamInfo => s !== null);
  return {
    formatName: "matroska,webm",
    durationSeconds: 10,
    sizeBytes: 500,
    bitRate: null,
    video,
    audio,
    streams,
    streamCount: streams.length,
    frameSizes: video ? [{ width: video.width ?? 0, height: video.height ?? 0 }] : [],
    ...over,
  };
}

import type { ResolvedOptions } from "@converter/shared/jobs";
import { findPreset } from "@converter/shared/presets";
import { describe, expect, it } from "vitest";
import { audioStreamInfo, mediaInfo, streamInfo } from "../test-support.js";
import { bitsPerSecond, decideStreamCopy, whyNoCopy } from "./stream-copy.js";

const preset = (name: string): ResolvedOptions => {
  const found = findPreset(name);
  if (!found) throw new Error(name);
  return found.options;
};
const h264 = preset("h264");
const job = (over: Partial<ResolvedOptions> = {}, mode?: "auto" | "never") => ({
  options: { ...h264, ...over },
  stream_copy: mode,
});

describe("whyNoCopy", () => {
  it("allows a copy for a plain job, by default", () => {
    expect(whyNoCopy(job())).toBeUndefined();
  });

  it.each([
    [job({}, "never"), /stream_copy is never/],
    [job({ start: 1 }), /trims/],
    [job({ duration: 2 }), /trims/],
    [{ options: preset("remux-mp4") }, /encodes no stream/],
  ])("rules a copy out: %j", (j, reason) => {
    expect(whyNoCopy(j)).toMatch(reason);
  });
});

describe("decideStreamCopy", () => {
  it("copies H.264 yuv420p video and AAC audio under the bitrate ceiling into the h264 preset", () => {
    const plan = decideStreamCopy(mediaInfo(), job());
    expect(plan).toMatchObject({ video: true, audio: true });
    expect(plan.streams).toEqual([
      { type: "video", action: "copied", codec: "h264", reason: expect.stringMatching(/already satisfies/) },
      { type: "audio", action: "copied", codec: "aac", reason: expect.stringMatching(/already satisfies/) },
    ]);
  });

  it("encodes everything, with the reason, when the job forbids copies", () => {
    const plan = decideStreamCopy(mediaInfo(), job({}, "never"));
    expect(plan).toMatchObject({ video: false, audio: false });
    expect(plan.streams.map((s) => [s.action, s.reason])).toEqual([
      ["encoded", "stream_copy is never"],
      ["encoded", "stream_copy is never"],
    ]);
  });

  it.each([
    ["another codec", { video: streamInfo({ codec: "hevc" }) }, {}, /video is hevc, the job asks for h264/],
    ["10-bit", { video: streamInfo({ pixFmt: "yuv420p10le", bitDepth: 10 }) }, {}, /yuv420p10le, not yuv420p/],
    ["4:4:4", { video: streamInfo({ pixFmt: "yuv444p" }) }, {}, /yuv444p/],
    ["interlaced", { video: streamInfo({ fieldOrder: "tt" }) }, {}, /interlaced/],
    ["taller than asked", { video: streamInfo({ width: 1920, height: 1080 }) }, { height: 720 }, /1920x1080/],
    ["smaller than asked", { video: streamInfo({ width: 640, height: 360 }) }, { height: 720 }, /640x360/],
    ["another frame rate", { video: streamInfo({ frameRate: 30 }) }, { fps: 25 }, /frame rate is 30/],
    ["a variable frame rate", { video: streamInfo({ constantFrameRate: false }) }, { fps: 25 }, /variable/],
    ["over the bitrate", { video: streamInfo({ bitRate: 5_000_000 }) }, { video_bitrate: "4M" }, /5000 kbit/],
    ["an unknown bitrate", { video: streamInfo({ bitRate: null }), bitRate: null }, { video_bitrate: "4M" }, /unknown/],
  ])("encodes video that is %s", (_what, media, options, reason) => {
    const plan = decideStreamCopy(mediaInfo(media), job({ crf: null, ...options }));
    expect(plan.video).toBe(false);
    expect(plan.streams[0]).toMatchObject({ type: "video", action: "encoded", codec: "h264" });
    expect(plan.streams[0]?.reason).toMatch(reason);
  });

  it.each([
    ["the height asked", { width: 1280, height: 720 }, { height: 720 }],
    ["the width asked", { width: 1280, height: 720 }, { width: 1280 }],
    ["one side of the box, the other inside it", { width: 1280, height: 536 }, { width: 1280, height: 720 }],
    ["the frame rate asked", { frameRate: 25 }, { fps: 25 }],
    ["a bitrate under the ceiling", { bitRate: 3_000_000 }, { video_bitrate: "4M" }],
  ])("copies video with %s", (_what, video, options) => {
    expect(decideStreamCopy(mediaInfo({ video: streamInfo(video) }), job(options)).video).toBe(true);
  });

  it("bounds an unrecorded stream bitrate by the file's", () => {
    const media = mediaInfo({ video: streamInfo({ bitRate: null }), bitRate: 900_000 });
    expect(decideStreamCopy(media, job({ video_bitrate: "1M" })).video).toBe(true);
    expect(decideStreamCopy(media, job({ video_bitrate: "800k" })).video).toBe(false);
  });

  it.each([
    ["another codec", audioStreamInfo({ codec: "mp3" }), /audio is mp3, the job asks for aac/],
    ["over the bitrate", audioStreamInfo({ bitRate: 192_000 }), /192 kbit\/s, above the job's 128k/],
    ["of unknown bitrate", audioStreamInfo({ bitRate: null }), /bitrate is unknown/],
  ])("encodes audio that is %s, and still copies the video", (_what, audio, reason) => {
    const plan = decideStreamCopy(mediaInfo({ audio }), job());
    expect(plan).toMatchObject({ video: true, audio: false });
    expect(plan.streams[1]).toMatchObject({ type: "audio", action: "encoded" });
    expect(plan.streams[1]?.reason).toMatch(reason);
  });

  it("encodes surround MP3 into the stereo MP3 preset", () => {
    const media = mediaInfo({ video: null, audio: audioStreamInfo({ codec: "mp3", channels: 6, bitRate: 128_000 }) });
    expect(decideStreamCopy(media, { options: preset("audio-mp3") }).audio).toBe(false);
    const stereo = mediaInfo({ video: null, audio: audioStreamInfo({ codec: "mp3", channels: 2, bitRate: 128_000 }) });
    expect(decideStreamCopy(stereo, { options: preset("audio-mp3") }).audio).toBe(true);
  });

  it("says nothing of a stream the input lacks or the job drops, and reports an asked-for copy", () => {
    const audioOnly = mediaInfo({ video: null });
    expect(decideStreamCopy(audioOnly, job()).streams.map((s) => s.type)).toEqual(["audio"]);
    expect(decideStreamCopy(mediaInfo(), { options: preset("audio-aac") }).streams.map((s) => s.type)).toEqual([
      "audio",
    ]);
    expect(decideStreamCopy(mediaInfo(), { options: preset("remux-mp4") })).toEqual({
      video: false,
      audio: false,
      streams: [
        { type: "video", action: "copied", codec: "h264", reason: "video_codec is copy" },
        { type: "audio", action: "copied", codec: "aac", reason: "audio_codec is copy" },
      ],
    });
  });
});

describe("bitsPerSecond", () => {
  it.each([
    ["4M", 4_000_000],
    ["0.5M", 500_000],
    ["128k", 128_000],
    ["2500000", 2_500_000],
  ])("%s is %i bit/s", (text, value) => {
    expect(bitsPerSecond(text)).toBe(value);
  });
});

import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { findPreset } from "@converter/shared/presets";
import { type MediaInfo, type MediaProber, type ProbeHow, probeMedia } from "@converter/shared/probe";
import { describe, expect, it } from "vitest";
import { audioStreamInfo, mediaInfo, streamInfo } from "../test-support.js";
import type { RunningEncode } from "./plan-encode.js";
import { outputProblem, verifyOutput } from "./verify-output.js";

const h264 = findPreset("h264")?.options;
const mp3 = findPreset("audio-mp3")?.options;
if (!h264 || !mp3) throw new Error("presets missing");

const media = (over: Partial<MediaInfo> = {}): MediaInfo =>
  mediaInfo({
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    durationSeconds: 60,
    sizeBytes: 5_000_000,
    video: streamInfo({ width: 640, height: 360, durationSeconds: 60 }),
    audio: audioStreamInfo({ durationSeconds: 60 }),
    frameSizes: [{ width: 640, height: 360 }],
    ...over,
  });

describe("what keeps a finished output from being published", () => {
  it("passes an output as long as the input, or a little shorter (encoders move the ends)", () => {
    expect(outputProblem(media(), h264, media({ durationSeconds: 59.96 }))).toBeUndefined();
    expect(outputProblem(media(), h264, media({ durationSeconds: 58.5 }))).toBeUndefined();
  });

  it("refuses a cut-short output, or one whose duration cannot be read", () => {
    expect(outputProblem(media(), h264, media({ durationSeconds: 12 }))).toMatch(
      /lasts 12\.00 s of the 60\.00 s expected/,
    );
    expect(outputProblem(media(), h264, media({ durationSeconds: null }))).toMatch(/duration cannot be read/);
  });

  it("measures against what was asked: start and duration trim the expectation", () => {
    expect(outputProblem(media(), { ...h264, start: 50 }, media({ durationSeconds: 10 }))).toBeUndefined();
    expect(outputProblem(media(), { ...h264, duration: 5 }, media({ durationSeconds: 5 }))).toBeUndefined();
    expect(outputProblem(media(), { ...h264, start: 20, duration: 30 }, media({ durationSeconds: 10 }))).toMatch(
      /of the 30\.00 s expected/,
    );
  });

  it("measures audio-only outputs against the audio track, which may end before the video", () => {
    const input = media({ audio: audioStreamInfo({ durationSeconds: 30 }) });
    const output = media({ video: null, durationSeconds: 30, streamCount: 1, frameSizes: [] });
    expect(outputProblem(input, mp3, output)).toBeUndefined();
    // Matroska keeps no per-stream duration: the audio's length is unknown, and not guessed from the video's.
    const mkv = media({ audio: audioStreamInfo({ durationSeconds: null }) });
    expect(outputProblem(mkv, mp3, output)).toBeUndefined();
  });

  it("refuses an output missing a stream the job keeps", () => {
    expect(outputProblem(media(), h264, media({ audio: null, streamCount: 1 }))).toMatch(/no audio stream/);
    expect(outputProblem(media(), h264, media({ video: null, streamCount: 1 }))).toMatch(/no video stream/);
    // An audio-only input through a video preset keeps only its audio.
    const tone = media({ video: null, streamCount: 1, frameSizes: [] });
    expect(outputProblem(tone, h264, tone)).toBeUndefined();
  });
});

describe("verifyOutput (real ffprobe)", () => {
  it("names the output, as the client wrote it, when the finished file is unreadable", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "verify-output-"));
    const tempPath = path.join(folder, ".result.mp4.job.run.partial");
    await writeFile(tempPath, "not a media file at all, just text that no demuxer takes");
    const temp = await open(tempPath, "r");
    try {
      // Only what verifyOutput reads of a run: the output's descriptor, the job's names and its folder.
      const plan = {
        temp,
        tempPath,
        inputPath: "/srv/media/in/source.mkv",
        targetPath: path.join(folder, "result.mp4"),
        data: { input: "in/source.mkv", output: "out/result.mp4", options: h264 },
        files: { outputDir: folder },
      } as unknown as RunningEncode;
      const failure = await verifyOutput({ ffprobePath: "ffprobe" }, plan, media()).then(
        () => expect.fail("an unreadable output passed"),
        (error: { failure: { code: string; message: string } }) => error.failure,
      );
      expect(failure.code).toBe("ffmpeg_failed");
      expect(failure.message).toMatch(/^ffmpeg finished but its output is unreadable: .*out\/result\.mp4: /);
      expect(failure.message).not.toMatch(/source\.mkv|\/dev\/fd|\/proc\//);
    } finally {
      await temp.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("tells the prober an output is its own encode only when no stream was copied into it (ADR 0039)", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "verify-output-"));
    const tempPath = path.join(folder, ".result.mp4.job.run.partial");
    await writeFile(tempPath, "");
    const temp = await open(tempPath, "r");
    const told: (ProbeHow | undefined)[] = [];
    // Real ffprobe; the wrapper only records what the prober was told.
    const probe: MediaProber = (source, how) => {
      told.push(how);
      return probeMedia("ffprobe", source);
    };
    try {
      const copying = (video: boolean, audio: boolean) => ({ copy: { video, audio } });
      for (const early of [undefined, copying(false, false), copying(true, false), copying(false, true)]) {
        const plan = {
          temp,
          tempPath,
          early,
          data: { input: "in/source.mkv", output: "out/result.mp4", options: h264 },
          files: { outputDir: folder },
        } as unknown as RunningEncode;
        await verifyOutput({ ffprobePath: "ffprobe", probe }, plan, media()).catch(() => undefined);
      }
      expect(told).toEqual([{ ownEncode: true }, { ownEncode: true }, { ownEncode: false }, { ownEncode: false }]);
    } finally {
      await temp.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

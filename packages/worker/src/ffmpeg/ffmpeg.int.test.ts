import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inputSafetyArgs, probeMedia } from "@converter/shared/probe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../../../../tests/support/media.js";
import { detectEncoders, listedEncoders } from "../capabilities/detect-encoders.js";
import type { ProcessStarter } from "./process-starter.js";
import type { ProgressSample } from "./progress-parser.js";
import { type RunFfmpegOptions, runFfmpeg as runWith } from "./run-ffmpeg.js";
import { SpawnerProcess } from "./spawner-process.js";
import { FFMPEG_SPAWNER_BINARY } from "./start-spawner.js";

const dir = mkdtempSync(path.join(tmpdir(), "ffmpeg-int-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real encode of a generated picture, with progress on stdout and nothing written. */
const encodeForSeconds = (seconds: number) => [
  "-hide_banner",
  "-nostdin",
  "-progress",
  "pipe:1",
  "-nostats",
  "-f",
  "lavfi",
  "-i",
  `testsrc2=size=320x240:rate=25:duration=${seconds}`,
  "-c:v",
  "libx264",
  "-preset",
  "ultrafast",
  "-f",
  "null",
  "-",
];

// Both ways the worker starts ffmpeg (ADR 0040) must behave alike: Node's spawn and the spawner.
describe.each(["node", "ffmpeg-spawner"] as const)("runFfmpeg (real ffmpeg), started by %s", (starter) => {
  let spawner: SpawnerProcess | undefined;
  let start: ProcessStarter | undefined;
  beforeAll(async () => {
    if (starter === "node") return;
    spawner = await SpawnerProcess.start(FFMPEG_SPAWNER_BINARY);
    start = spawner.start.bind(spawner);
  });
  afterAll(() => spawner?.close());
  const runFfmpeg = (options: RunFfmpegOptions) => runWith({ ...options, ...(start ? { start } : {}) });

  it("reports progress samples and exits 0", async () => {
    const samples: ProgressSample[] = [];
    let spawned: number | undefined;
    const outcome = await runFfmpeg({
      ffmpegPath: "ffmpeg",
      args: encodeForSeconds(2),
      onSpawn: (pid) => {
        spawned = pid;
      },
      onProgress: (s) => samples.push(s),
    });
    expect(outcome).toMatchObject({ exitCode: 0, aborted: false });
    expect(spawned).toBeGreaterThan(0);
    expect(samples.at(-1)?.outTimeSeconds).toBeCloseTo(2, 0);
    expect(outcome.stderrTail.some((line) => line.includes("libx264"))).toBe(true);
  });

  it("stops a long encode when aborted", async () => {
    const controller = new AbortController();
    const outcome = await runFfmpeg({
      ffmpegPath: "ffmpeg",
      args: encodeForSeconds(3600),
      signal: controller.signal,
      killGraceMs: 2000,
      onProgress: () => controller.abort(new Error("test abort")),
    });
    expect(outcome.aborted).toBe(true);
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.elapsedMs).toBeLessThan(15_000);
  });

  it("returns a non-zero exit and the error line for a bad command", async () => {
    const outcome = await runFfmpeg({
      ffmpegPath: "ffmpeg",
      args: ["-hide_banner", "-i", `file:${dir}/missing.mkv`, "-f", "null", "-"],
    });
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.stderrTail.join("\n")).toMatch(/No such file/);
  });

  it("kills the whole process group at the wall-clock limit, without grace", async () => {
    // A stand-in for ffmpeg that ignores SIGTERM and leaves a grandchild behind.
    const pidFile = path.join(dir, "grandchild.pid");
    const outcome = await runFfmpeg({
      ffmpegPath: "/bin/sh",
      args: ["-c", `trap '' TERM; sleep 300 & echo $! > ${pidFile}; wait`],
      timeoutMs: 500,
    });
    expect(outcome).toMatchObject({ timedOut: true, signal: "SIGKILL" });
    expect(outcome.elapsedMs).toBeLessThan(5000);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    // Gone, or a zombie waiting for an init that may never reap it: either way, no longer running.
    const alive = () => {
      try {
        return readFileSync(`/proc/${grandchild}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive()).toBe(false);
  });

  it("rejects when the binary does not exist", async () => {
    await expect(runFfmpeg({ ffmpegPath: "/nonexistent/ffmpeg", args: [] })).rejects.toThrow(/ENOENT/);
  });
});

describe("probeMedia (real ffprobe)", () => {
  it("describes a clip", async () => {
    const file = await makeClip(path.join(dir, "clip.mkv"), { width: 320, height: 240, seconds: 1 });
    const probe = await probeMedia("ffprobe", file);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    // Matroska keeps no per-stream duration: the streams' own durations are unknown there.
    expect(probe.info.video).toMatchObject({
      codec: "h264",
      width: 320,
      height: 240,
      pixFmt: "yuv420p",
      profile: "Constrained Baseline",
      bitDepth: 8,
      frameRate: 25,
      durationSeconds: null,
    });
    expect(probe.info.audio).toMatchObject({ codec: "aac", channels: 1, sampleRate: 48_000, durationSeconds: null });
    expect(probe.info.durationSeconds).toBeCloseTo(1, 0);
    expect(probe.info.streamCount).toBe(2);
  });

  it("reads a stream's own duration where the container keeps one, and a file by descriptor", async () => {
    const file = await makeClip(path.join(dir, "clip.mp4"), { width: 320, height: 240, seconds: 1 });
    const handle = await open(file, "r");
    try {
      const probe = await probeMedia("ffprobe", { fd: handle.fd });
      expect(probe.ok).toBe(true);
      if (!probe.ok) return;
      expect(probe.info.video?.durationSeconds).toBeCloseTo(1, 0);
      expect(probe.info.audio?.durationSeconds).toBeCloseTo(1, 0);
    } finally {
      await handle.close();
    }
  });

  it("says why it cannot read garbage or an empty file", async () => {
    writeFileSync(path.join(dir, "garbage.mp4"), "this is not a video file at all".repeat(100));
    writeFileSync(path.join(dir, "empty.mp4"), "");
    for (const name of ["garbage.mp4", "empty.mp4"]) {
      const probe = await probeMedia("ffprobe", path.join(dir, name));
      expect(probe.ok).toBe(false);
      if (!probe.ok) expect(probe.reason).toMatch(/ffprobe could not read the file/);
    }
  });
});

describe("input safety (real ffmpeg and ffprobe)", () => {
  // Playlists and lists that name other files, disguised with a video extension.
  const lures = {
    "playlist.mp4": "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
    "list.mkv": "ffconcat version 1.0\nfile '/etc/passwd'\n",
    "image.mov": "P5\n1 1\n255\n\0",
  };

  it.each(Object.entries(lures))("ffprobe refuses %s", async (name, text) => {
    writeFileSync(path.join(dir, name), text);
    const probe = await probeMedia("ffprobe", path.join(dir, name));
    expect(probe.ok).toBe(false);
  });

  it("ffmpeg, with the builder's input options, refuses a playlist and writes nothing of /etc/passwd", async () => {
    const input = path.join(dir, "playlist2.mp4");
    writeFileSync(input, lures["playlist.mp4"]);
    const output = path.join(dir, "out.mkv");
    const outcome = await runWith({
      ffmpegPath: "ffmpeg",
      args: [...inputSafetyArgs(), "-i", `file:${input}`, "-c", "copy", "-y", `file:${output}`],
    });
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.stderrTail.join("\n")).toMatch(/not on whitelist/);
    expect(existsSync(output) ? readFileSync(output, "latin1") : "").not.toContain("root:");
  });
});

describe("encoder capabilities (real ffmpeg)", () => {
  it("lists the CPU encoders this ffmpeg was built with", async () => {
    const listed = await listedEncoders("ffmpeg");
    expect(listed.has("libx264")).toBe(true);
    expect(listed.has("aac")).toBe(true);
  });

  it("marks NVENC usable only after a real test encode, and never with HARDWARE=cpu", async () => {
    const auto = await detectEncoders("ffmpeg", "auto");
    expect(auto.encoders.libx264).toBe(true);
    for (const nvenc of ["h264_nvenc", "hevc_nvenc", "av1_nvenc"]) {
      expect(typeof auto.encoders[nvenc]).toBe("boolean");
      expect(auto.notes[nvenc]).toBeTruthy();
    }
    const cpu = await detectEncoders("ffmpeg", "cpu");
    expect(cpu.encoders.h264_nvenc).toBe(false);
    expect(cpu.notes.h264_nvenc).toBe("HARDWARE=cpu");
  });
});

import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createLogger } from "@converter/shared/logger";
import { type ProbeSource, probeMedia } from "@converter/shared/probe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../../../../tests/support/media.js";
import { createProbeServerPool } from "./probe-server-pool.js";
import { ProbeServerProcess } from "./probe-server-process.js";
import { PROBE_SERVER_BINARY, startProber } from "./start-prober.js";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "probe-server-int-"));
const log = createLogger({ name: "test", level: "silent" });
const ffprobe = (source: ProbeSource) => probeMedia("ffprobe", source);
/** What the worker's start-up check reads from ffprobe, and startProber compares the server with. */
const ffprobeVersion = execFileSync("ffprobe", ["-version"], { encoding: "utf8" });

/** ffmpeg with lavfi sources into `name`: what a client might send. */
async function make(name: string, args: string[]): Promise<string> {
  const file = path.join(dir, name);
  await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args, file]);
  return file;
}
const picture = (size = "320x240", seconds = 1) => [
  "-f",
  "lavfi",
  "-i",
  `testsrc2=size=${size}:rate=25:duration=${seconds}`,
];
const tone = (seconds = 1) => ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`];

const files: Record<string, string> = {};

beforeAll(async () => {
  expect(existsSync(PROBE_SERVER_BINARY), `${PROBE_SERVER_BINARY}: pnpm build compiles it (libavformat-dev)`).toBe(
    true,
  );
  const cover = await make("cover.png", [...picture("64x64", 1), "-frames:v", "1"]);
  const made = await Promise.all([
    makeClip(path.join(dir, "h264-aac.mp4")),
    makeClip(path.join(dir, "h264-aac.mkv")),
    makeClip(path.join(dir, "high422-10bit.mov"), { pixFmt: "yuv422p10le", audioCodec: "pcm_s16le" }),
    make("interlaced.ts", [...picture("720x576"), "-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-top", "1"]),
    make("vp9-opus.webm", [
      ...picture("160x120", 0.5),
      ...tone(0.5),
      "-c:v",
      "libvpx-vp9",
      "-deadline",
      "realtime",
      "-cpu-used",
      "8",
      "-c:a",
      "libopus",
    ]),
    make("cover-art.mp3", [
      ...tone(),
      "-i",
      cover,
      "-map",
      "0",
      "-map",
      "1",
      "-c:v",
      "mjpeg",
      "-disposition:v",
      "attached_pic",
    ]),
    make("tone.wav", tone()),
    make("tone.flac", tone()),
    make("tone.ogg", [...tone(), "-c:a", "libvorbis"]),
    make("tone.aiff", tone()),
    make("mpeg4-mp3.avi", [...picture(), ...tone(), "-c:v", "mpeg4", "-c:a", "libmp3lame"]),
    make("h264-aac.flv", [...picture(), ...tone(), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
    make("three-audio.mkv", [...tone(), ...tone(), ...tone(), "-map", "0", "-map", "1", "-map", "2", "-c:a", "aac"]),
  ]);
  for (const file of made) files[path.basename(file)] = file;
  const broken = {
    "garbage.mp4": "this is not a video file at all".repeat(100),
    "empty.mp4": "",
    "playlist.mp4": "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
    "list.mkv": "ffconcat version 1.0\nfile '/etc/passwd'\n",
  };
  for (const [name, text] of Object.entries(broken)) {
    writeFileSync(path.join(dir, name), text);
    files[name] = path.join(dir, name);
  }
  // Cut short: the header promises more than the file holds.
  const whole = execFileSync("head", ["-c", "3000", files["h264-aac.mp4"] as string]);
  writeFileSync(path.join(dir, "truncated.mp4"), whole);
  files["truncated.mp4"] = path.join(dir, "truncated.mp4");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("probe server (real FFmpeg libraries) against ffprobe", () => {
  let pool: ReturnType<typeof createProbeServerPool>;
  beforeAll(() => {
    pool = createProbeServerPool({
      startServer: async () => (await ProbeServerProcess.start(PROBE_SERVER_BINARY)).server,
      maxServers: 2,
      fallback: () => Promise.reject(new Error("the fallback must not be needed here")),
      log,
    });
  });
  afterAll(() => pool.close());

  it("describes every kind of file exactly as ffprobe does, by path and by descriptor", async () => {
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(18);
    for (const [name, file] of Object.entries(files)) {
      expect(await pool.probe(file), `${name} by path`).toEqual(await ffprobe(file));
      const handle = await open(file, "r");
      try {
        expect(await pool.probe({ fd: handle.fd }), `${name} by descriptor`).toEqual(await ffprobe({ fd: handle.fd }));
      } finally {
        await handle.close();
      }
    }
  });

  it("reads the facts the worker decides by: bit depth, field order, cover art, streams", async () => {
    const facts = async (name: string) => {
      const outcome = await pool.probe(files[name] as string);
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.info;
    };
    expect((await facts("high422-10bit.mov")).video).toMatchObject({ pixFmt: "yuv422p10le", bitDepth: 10 });
    expect((await facts("interlaced.ts")).video).toMatchObject({ codec: "mpeg2video", fieldOrder: "tt" });
    expect((await facts("cover-art.mp3")).video).toBeNull();
    expect((await facts("cover-art.mp3")).streams.some((stream) => stream.attachedPic)).toBe(true);
    expect((await facts("three-audio.mkv")).streamCount).toBe(3);
    const garbage = await pool.probe(files["garbage.mp4"] as string);
    expect(garbage).toEqual({
      ok: false,
      reason: `ffprobe could not read the file: file:${files["garbage.mp4"]}: Invalid data found when processing input`,
    });
  });

  it("names a file it was given by descriptor /dev/fd/3, as ffprobe does, so messages show the client's name", async () => {
    const handle = await open(files["garbage.mp4"] as string, "r");
    try {
      expect(await pool.probe({ fd: handle.fd })).toEqual({
        ok: false,
        reason: "ffprobe could not read the file: file:/dev/fd/3: Invalid data found when processing input",
      });
    } finally {
      await handle.close();
    }
  });

  it("says a file does not exist", async () => {
    const missing = path.join(dir, "missing.mp4");
    expect(await pool.probe(missing)).toEqual(await ffprobe(missing));
  });

  it("describes an own encode, probed in the server's process, exactly as ffprobe does, and goes on after each failure (ADR 0039)", async () => {
    // Every file here, readable or not, through the in-process path: a
    // failure must leave the server serving (the fallback would throw).
    for (const [name, file] of Object.entries({ ...files, "missing.mp4": path.join(dir, "missing.mp4") })) {
      expect(await pool.probe(file, { ownEncode: true }), `${name} by path`).toEqual(await ffprobe(file));
    }
    const handle = await open(files["h264-aac.mp4"] as string, "r");
    try {
      expect(await pool.probe({ fd: handle.fd }, { ownEncode: true })).toEqual(await ffprobe({ fd: handle.fd }));
    } finally {
      await handle.close();
    }
  });
});

describe("probe server processes (real binary)", () => {
  it("stops a probe that hangs (a FIFO nobody writes), answers a timeout and goes on serving", async () => {
    const fifo = path.join(dir, "hangs.mp4");
    execFileSync("mkfifo", [fifo]);
    const { server } = await ProbeServerProcess.start(PROBE_SERVER_BINARY, 300);
    try {
      expect(await server.probe(fifo, {}, 300)).toEqual({ kind: "timeout" });
      expect(await server.probe(files["tone.wav"] as string, {}, 300)).toMatchObject({ kind: "ok" });
    } finally {
      server.close();
    }
  });

  it("probes an own encode in the server's process, not a child: a FIFO holds the server itself, which the worker then stops (ADR 0039)", async () => {
    const fifo = path.join(dir, "own-hangs.mp4");
    execFileSync("mkfifo", [fifo]);
    const { server } = await ProbeServerProcess.start(PROBE_SERVER_BINARY, 300);
    try {
      // A child would have been stopped at 300 ms with a "timeout" answer.
      await expect(server.probe(fifo, { ownEncode: true }, 300)).rejects.toThrow(/did not answer within 5300 ms/);
      expect(server.alive).toBe(false);
    } finally {
      server.close();
    }
  }, 15_000);

  it('sends a server built before ADR 0039 (no "own" in its hello; a stand-in script) the path alone, and a relative "own …" name as "./own …"', async () => {
    const requests = path.join(dir, "old-server-requests.txt");
    const script = path.join(dir, "old-probe-server.sh");
    writeFileSync(
      script,
      `#!/bin/sh\necho "ready 1 2 3"\nwhile read -r line; do echo "$line" >> '${requests}'; printf 'fail 4\\nnope'; done\n`,
      { mode: 0o755 },
    );
    const { server } = await ProbeServerProcess.start(script);
    try {
      expect(await server.probe("/proc/1/fd/5", { ownEncode: true })).toEqual({ kind: "fail", text: "nope" });
      expect(await server.probe("own clip.mp4")).toEqual({ kind: "fail", text: "nope" });
      expect(readFileSync(requests, "utf8")).toBe("/proc/1/fd/5\n./own clip.mp4\n");
    } finally {
      server.close();
    }
  });

  it("runs a second server while the first is held by a slow file, up to maxServers", async () => {
    const fifo = path.join(dir, "held.mp4");
    execFileSync("mkfifo", [fifo]);
    let started = 0;
    const pool = createProbeServerPool({
      startServer: async () => {
        started++;
        return (await ProbeServerProcess.start(PROBE_SERVER_BINARY)).server;
      },
      maxServers: 2,
      fallback: ffprobe,
      log,
    });
    try {
      const held = pool.probe(fifo);
      const quick = await pool.probe(files["tone.flac"] as string);
      expect(quick).toMatchObject({ ok: true, info: { audio: { codec: "flac" } } });
      expect(started).toBe(2);
      // Feeding the FIFO garbage lets the held probe finish, with ffprobe's verdict. Written from the
      // thread pool: opening a FIFO waits for its reader, which must not stop this event loop.
      await writeFile(fifo, "not media".repeat(1000));
      expect(await held).toMatchObject({ ok: false, reason: expect.stringMatching(/could not read the file/) });
    } finally {
      pool.close();
    }
  });

  it("probes with ffprobe instead when a server dies mid-answer, and starts a new one for the next file", async () => {
    const servers: ProbeServerProcess[] = [];
    const fallbacks: ProbeSource[] = [];
    const pool = createProbeServerPool({
      startServer: async () => {
        const { server } = await ProbeServerProcess.start(PROBE_SERVER_BINARY);
        servers.push(server);
        return server;
      },
      maxServers: 1,
      fallback: (source) => {
        fallbacks.push(source);
        return ffprobe(source);
      },
      log,
    });
    const fifo = path.join(dir, "dies.mp4");
    execFileSync("mkfifo", [fifo]);
    try {
      const answer = pool.probe(fifo);
      // The server cannot answer before the FIFO has data: killed any time before, it dies mid-answer.
      const first = await eventually(() => servers[0], { what: "the first server to start" });
      first.close();
      // ffprobe now waits on the FIFO too: give it garbage.
      setTimeout(() => void writeFile(fifo, "not media".repeat(1000)), 200);
      expect(await answer).toMatchObject({ ok: false, reason: expect.stringMatching(/could not read the file/) });
      expect(fallbacks).toEqual([fifo]);
      expect(await pool.probe(files["tone.wav"] as string)).toEqual(await ffprobe(files["tone.wav"] as string));
      expect(servers).toHaveLength(2);
    } finally {
      pool.close();
    }
  });
});

describe("startProber", () => {
  it("uses the server when it links the libraries ffprobe reports", async () => {
    const prober = await startProber(
      { probeServer: "auto", ffprobePath: "ffprobe", concurrency: 1 },
      ffprobeVersion,
      log,
    );
    try {
      expect(prober.using).toBe("probe-server");
      expect(await prober.probe(files["h264-aac.mp4"] as string)).toEqual(
        await ffprobe(files["h264-aac.mp4"] as string),
      );
    } finally {
      prober.close();
    }
  });

  it("starts ffprobe per file when told PROBE_SERVER=off or when the binary is missing", async () => {
    const off = await startProber({ probeServer: "off", ffprobePath: "ffprobe", concurrency: 1 }, ffprobeVersion, log);
    expect(off.using).toBe("ffprobe (PROBE_SERVER=off)");
    const missing = await startProber(
      { probeServer: "auto", ffprobePath: "ffprobe", concurrency: 1 },
      ffprobeVersion,
      log,
      path.join(dir, "no-such-binary"),
    );
    expect(missing.using).toMatch(/^ffprobe \(probe-server was not built/);
    expect(await missing.probe(files["tone.wav"] as string)).toMatchObject({ ok: true });
  });
});

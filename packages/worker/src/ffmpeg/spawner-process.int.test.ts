import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@converter/shared/logger";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../../../../tests/support/media.js";
import type { ProcessListener } from "./process-starter.js";
import { runFfmpeg } from "./run-ffmpeg.js";
import { SpawnerProcess } from "./spawner-process.js";
import { FFMPEG_SPAWNER_BINARY, startSpawning } from "./start-spawner.js";

const dir = mkdtempSync(path.join(tmpdir(), "spawner-int-"));
const spawners: SpawnerProcess[] = [];
afterAll(() => {
  for (const spawner of spawners) spawner.close();
  rmSync(dir, { recursive: true, force: true });
});
const log = createLogger({ name: "test", level: "silent" });

async function startSpawner(): Promise<SpawnerProcess> {
  const spawner = await SpawnerProcess.start(FFMPEG_SPAWNER_BINARY);
  spawners.push(spawner);
  return spawner;
}

type Ran = { pid?: number; stdout: string; stderr: string; exit?: [number | null, string | null]; error?: Error };

/** Starts a program and collects what the listener hears; `done` settles at close or error. */
function run(spawner: SpawnerProcess, program: string, args: string[], fds: number[] = []) {
  const ran: Ran = { stdout: "", stderr: "" };
  let started: (pid: number | undefined) => void = () => {};
  const spawned = new Promise<number | undefined>((resolve) => {
    started = resolve;
  });
  const done = new Promise<Ran>((resolve) => {
    const listener: ProcessListener = {
      spawn: (pid) => {
        ran.pid = pid;
        started(pid);
      },
      stdout: (chunk) => {
        ran.stdout += chunk;
      },
      stderr: (chunk) => {
        ran.stderr += chunk;
      },
      error: (error) => {
        ran.error = error;
        started(undefined);
        resolve(ran);
      },
      close: (code, signal) => {
        ran.exit = [code, signal];
        resolve(ran);
      },
    };
    spawner.start(program, args, fds, listener);
  });
  return { spawned, done };
}

const running = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
};

describe("the ffmpeg spawner (native/ffmpeg-spawner.c, real processes)", () => {
  it("runs ffmpeg on the worker's own descriptors: reads fd 3, writes fd 4", async () => {
    const spawner = await startSpawner();
    const input = await makeClip(path.join(dir, "in.mp4"), { seconds: 1 });
    const inputFile = await open(input, "r");
    const outputFile = await open(path.join(dir, "out.mkv"), "wx");
    try {
      const outcome = await runFfmpeg({
        ffmpegPath: "ffmpeg",
        args: ["-hide_banner", "-nostdin", "-progress", "pipe:1", "-i", "file:/dev/fd/3"].concat([
          "-c:v",
          "libx264",
          "-preset",
          "ultrafast",
          "-c:a",
          "aac",
          "-f",
          "matroska",
          "-y",
          "file:/dev/fd/4",
        ]),
        fds: [inputFile.fd, outputFile.fd],
        start: spawner.start.bind(spawner),
      });
      expect(outcome).toMatchObject({ exitCode: 0, signal: null, aborted: false, timedOut: false });
    } finally {
      await inputFile.close();
      await outputFile.close();
    }
    const probed = await probe(path.join(dir, "out.mkv"));
    expect(probed.streams.map((stream) => stream.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(Number(probed.format.duration)).toBeCloseTo(1, 0);
  });

  it("passes every argument byte for byte and every byte of a large stderr", async () => {
    const spawner = await startSpawner();
    const argument = 'two\nlines, "quotes", spaces  and UTF-8: é 🎬 \\ $HOME';
    const ran = await run(spawner, "/bin/sh", [
      "-c",
      'printf "%s" "$1"; head -c 3000000 /dev/zero | tr "\\0" x >&2; exit 7',
      "sh",
      argument,
    ]).done;
    expect(ran.error).toBeUndefined();
    expect(ran.stdout).toBe(argument);
    expect(ran.stderr.length).toBe(3_000_000);
    expect(ran.stderr).toMatch(/^x+$/);
    expect(ran.exit).toEqual([7, null]);
  });

  it("runs many programs at once, each with its own output and status", async () => {
    const spawner = await startSpawner();
    const runs = Array.from(
      { length: 20 },
      (_, i) =>
        run(spawner, "/bin/sh", ["-c", 'sleep 0.2; echo "out $1"; echo "err $1" >&2; exit "$1"', "sh", String(i)]).done,
    );
    const results = await Promise.all(runs);
    results.forEach((ran, i) => {
      expect(ran).toMatchObject({ stdout: `out ${i}\n`, stderr: `err ${i}\n`, exit: [i, null] });
    });
  });

  it("fails a start as Node's spawn does: ENOENT, EACCES", async () => {
    const spawner = await startSpawner();
    const missing = await run(spawner, "/nonexistent/ffmpeg", []).done;
    expect(missing.error).toMatchObject({ code: "ENOENT", message: "spawn /nonexistent/ffmpeg ENOENT" });
    const notExecutable = path.join(dir, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\n");
    chmodSync(notExecutable, 0o644);
    expect((await run(spawner, notExecutable, []).done).error).toMatchObject({ code: "EACCES" });
    expect(() => spawner.start("ffmpeg", ["a\0b"], [], {} as ProcessListener)).toThrow(/null byte/);
    // Beyond what Linux would exec: refused before the spawner, which stays up.
    expect((await run(spawner, "/bin/echo", ["x".repeat(3 * 1024 * 1024)]).done).error).toMatchObject({
      code: "E2BIG",
    });
    // And it goes on serving.
    expect((await run(spawner, "/bin/echo", ["still here"]).done).stdout).toBe("still here\n");
  });

  it("ignores SIGTERM and SIGINT sent to it: stopping ffmpeg is the worker's call", async () => {
    const spawner = await startSpawner();
    const sleeper = run(spawner, "/bin/sleep", ["30"]);
    const pid = (await sleeper.spawned) as number;
    process.kill(spawner.pid as number, "SIGTERM");
    process.kill(spawner.pid as number, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spawner.alive).toBe(true);
    expect(running(pid)).toBe(true);
    expect((await run(spawner, "/bin/echo", ["ok"]).done).stdout).toBe("ok\n");
    spawner.close();
    expect((await sleeper.done).exit).toEqual([null, "SIGKILL"]);
    await eventually(() => (running(pid) ? undefined : true), { timeoutMs: 5000, what: "the sleeper to die" });
  });

  it("a spawner that dies takes what it ran along; the worker's starter replaces it", async () => {
    const spawning = await startSpawning({ ffmpegSpawner: "auto" }, log);
    try {
      expect(spawning.using).toBe("ffmpeg-spawner");
      const first = await new Promise<{ pid: number; closed: Promise<[number | null, string | null]> }>((resolve) => {
        let pid = 0;
        const closed = new Promise<[number | null, string | null]>((settle) => {
          spawning.start("/bin/sleep", ["30"], [], {
            spawn: (started) => {
              pid = started as number;
              resolve({ pid, closed });
            },
            stdout() {},
            stderr() {},
            error: (error) => settle([null, error.message]),
            close: (code, signal) => settle([code, signal]),
          });
        });
      });
      const spawnerPid = Number(readFileSync(`/proc/${first.pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2]);
      process.kill(spawnerPid, "SIGKILL");
      expect(await first.closed).toEqual([null, "SIGKILL"]);
      await eventually(() => (running(first.pid) ? undefined : true), { timeoutMs: 5000, what: "the sleeper to die" });
      const outcome = await runFfmpeg({ ffmpegPath: "/bin/echo", args: ["again"], start: spawning.start });
      expect(outcome).toMatchObject({ exitCode: 0, stderrTail: [] });
    } finally {
      spawning.close();
    }
  });

  it("its programs die with the worker, even when the worker is killed outright", async () => {
    // A stand-in worker: plain Node that starts the spawner and one long program through it.
    const worker = spawn(
      process.execPath,
      [
        "-e",
        `const s = require("node:child_process").spawn(${JSON.stringify(FFMPEG_SPAWNER_BINARY)}, [String(process.pid)], { stdio: ["pipe", "pipe", "inherit"] });
         const payload = "\\0/bin/sleep\\0" + "300\\0";
         s.stdin.write("spawn 1 " + Buffer.byteLength(payload) + "\\n" + payload);
         s.stdout.on("data", (d) => process.stdout.write(d));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let said = "";
    worker.stdout.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const sleeper = await eventually(() => /spawned 1 (\d+)/.exec(said)?.[1], { what: "the spawned line" });
    expect(running(Number(sleeper))).toBe(true);
    worker.kill("SIGKILL");
    await eventually(() => (running(Number(sleeper)) ? undefined : true), {
      timeoutMs: 5000,
      what: "the sleeper to die",
    });
  });

  it("falls back to Node's spawn when the spawner is off, missing or cannot run", async () => {
    expect((await startSpawning({ ffmpegSpawner: "off" }, log)).using).toBe("node (FFMPEG_SPAWNER=off)");
    expect((await startSpawning({ ffmpegSpawner: "auto" }, log, path.join(dir, "none"))).using).toMatch(
      /^node \(ffmpeg-spawner was not built/,
    );
    const broken = await startSpawning({ ffmpegSpawner: "auto" }, log, "/bin/false");
    expect(broken.using).toMatch(/^node \(ffmpeg-spawner cannot run: ffmpeg-spawner exited with 1\)$/);
    expect(await runFfmpeg({ ffmpegPath: "/bin/echo", args: ["x"], start: broken.start })).toMatchObject({
      exitCode: 0,
    });
  });
});

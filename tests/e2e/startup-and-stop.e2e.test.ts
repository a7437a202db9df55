import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_FFMPEG_GLIBC_TUNABLES } from "@converter/shared/config/worker";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceProcess } from "../support/processes.js";
import { RedisServer } from "../support/redis-server.js";
import { Deployment } from "./harness.js";

// How a process starts on bad ground and stops whatever it waits on
// (issue 13, items 11 and 13): real api and worker processes.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function deployment(env: Record<string, string> = {}): Deployment {
  const d = new Deployment(env);
  cleanups.push(() => d.destroy());
  return d;
}

/** The API with this DATABASE_PATH, run until it exits by itself (SIGKILL after 20 s: a hang). */
async function apiWithDatabase(d: Deployment, databasePath: string) {
  const api = await ServiceProcess.start(
    "api",
    { QUEUE_NAME: d.queueName, MEDIA_ROOT: d.mediaRoot, PORT: "0", DATABASE_PATH: databasePath },
    { readyLine: null },
  );
  const timer = setTimeout(() => api.kill(), 20_000);
  const code = await api.waitForExit();
  clearTimeout(timer);
  return { code, output: api.output };
}

const canMount = process.getuid?.() === 0;

describe("DATABASE_PATH the API cannot use (real api process)", () => {
  it.each([
    ["a folder under /proc (a recursive mkdir there never returns)", () => "/proc/no-such-folder/jobs.db"],
    ["a path through a regular file", (d: Deployment) => path.join(d.mediaRoot, "plain-file", "jobs.db")],
    ["a folder", (d: Deployment) => d.mediaRoot],
  ])("stops with status 78 and one line naming the variable: %s", async (_name, pathOf) => {
    const d = deployment();
    writeFileSync(path.join(d.mediaRoot, "plain-file"), "not a folder");
    const { code, output } = await apiWithDatabase(d, pathOf(d));
    expect(code, output.join("\n")).toBe(78);
    const problems = output.filter((line) => line.includes("DATABASE_PATH"));
    expect(problems, output.join("\n")).toHaveLength(1);
    expect(problems[0]).toMatch(/^Invalid configuration: DATABASE_PATH /);
    expect(output.join("\n")).not.toMatch(/SqliteError|\n\s+at /);
  });

  it.runIf(canMount)("stops with status 78 on a read-only filesystem, naming the variable", async () => {
    const d = deployment();
    const folder = path.join(d.dir, "read-only");
    mkdirSync(folder);
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", folder]);
    cleanups.push(() => execFileSync("umount", [folder]));
    const { code, output } = await apiWithDatabase(d, path.join(folder, "jobs.db"));
    expect(code, output.join("\n")).toBe(78);
    expect(output.filter((line) => /^Invalid configuration: DATABASE_PATH .*read-only/.test(line))).toHaveLength(1);
  });
});

describe("stopping while Redis is away (real processes)", () => {
  it("an API started while Redis is down stops on SIGTERM within its grace", async () => {
    const redis = await RedisServer.reserve({ appendonly: false });
    const d = deployment({ REDIS_URL: redis.url });
    const api = await d.startApi();
    // ServiceProcess.stop SIGKILLs after the grace: a clean exit status proves it stopped by itself.
    expect(await api.stop("SIGTERM", 15_000)).toBe(0);
    expect(api.output.join("\n")).toMatch(/"msg":"api stopped"/);
  });

  it("a worker whose Redis went away stops on SIGTERM within its grace", async () => {
    const redis = await RedisServer.start({ appendonly: false });
    cleanups.push(() => redis.destroy());
    const d = deployment({ REDIS_URL: redis.url, SHUTDOWN_GRACE_SECONDS: "2" });
    const worker = await d.startWorker();
    await redis.stop("SIGKILL");
    expect(await worker.stop("SIGTERM", 20_000)).toBe(0);
  });

  it("a worker started while Redis is down stops on SIGTERM", async () => {
    const redis = await RedisServer.reserve({ appendonly: false });
    const d = deployment({ REDIS_URL: redis.url });
    const worker = await ServiceProcess.start(
      "worker",
      { REDIS_URL: redis.url, QUEUE_NAME: d.queueName, MEDIA_ROOT: d.mediaRoot },
      { readyLine: "encoders measured" },
    );
    expect(await worker.stop("SIGTERM", 15_000)).toBe(0);
  });
});

describe("the programs a worker starts (ADR 0034, real processes)", () => {
  it("get FFMPEG_GLIBC_TUNABLES as their GLIBC_TUNABLES, and nothing with FFMPEG_GLIBC_TUNABLES=off", async () => {
    // /proc/<pid>/environ will not do: glibc parses GLIBC_TUNABLES in place at start, cutting it at the
    // first ':' there (getenv sees an intact copy). So FFMPEG_PATH is a script that writes down what it
    // got, then runs the real ffmpeg: the worker's start-up test encodes go through it.
    const folder = mkdtempSync(path.join(tmpdir(), "ffc-tunables-"));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const seen = path.join(folder, "seen");
    const ffmpeg = path.join(folder, "ffmpeg");
    const real = execFileSync("sh", ["-c", "command -v ffmpeg"], { encoding: "utf8" }).trim();
    writeFileSync(ffmpeg, `#!/bin/sh\nprintf '%s\\n' "\${GLIBC_TUNABLES-unset}" >> '${seen}'\nexec '${real}' "$@"\n`, {
      mode: 0o755,
    });
    for (const [setting, expected] of [
      [undefined, DEFAULT_FFMPEG_GLIBC_TUNABLES],
      ["off", "unset"],
    ] as const) {
      rmSync(seen, { force: true });
      const d = deployment({
        FFMPEG_PATH: ffmpeg,
        ...(setting === undefined ? {} : { FFMPEG_GLIBC_TUNABLES: setting }),
      });
      const worker = await d.startWorker();
      const ready = worker.output.find((line) => line.includes('"msg":"worker ready"')) ?? "";
      expect(ready).toContain(`"ffmpeg_glibc_tunables":"${setting ?? DEFAULT_FFMPEG_GLIBC_TUNABLES}"`);
      const runs = readFileSync(seen, "utf8").trim().split("\n");
      expect(runs.length).toBeGreaterThan(1);
      expect(new Set(runs)).toEqual(new Set([expected]));
      await worker.stop("SIGTERM", 15_000);
    }
  });
});

import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@converter/shared/logger";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../../../tests/support/media.js";
import { readHealthFile, startHealthFile } from "./health-file.js";

const log = createLogger({ name: "health-test", level: "silent" });
const dirs: string[] = [];
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function healthFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "worker-health-"));
  dirs.push(dir);
  return path.join(dir, "health");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("startHealthFile", () => {
  it("rewrites the file while the worker is alive, and stops when it is not", async () => {
    const file = healthFile();
    let alive = true;
    const { stop } = startHealthFile({ file, log, intervalMs: 20, isAlive: async () => alive });
    stops.push(stop);
    await eventually(() => (existsSync(file) ? true : undefined), { what: "the health file" });
    // The check reads only the file's age.
    expect(statSync(file).mtimeMs).toBeGreaterThan(Date.now() - 5000);

    alive = false;
    await sleep(100); // a write already under way may still land
    const lastWrite = statSync(file).mtimeMs;
    await sleep(100);
    expect(statSync(file).mtimeMs).toBe(lastWrite);
  });

  it("writes nothing when the liveness check throws (Redis unreachable)", async () => {
    const file = healthFile();
    const { stop } = startHealthFile({
      file,
      log,
      intervalMs: 20,
      isAlive: () => Promise.reject(new Error("connect ECONNREFUSED")),
    });
    stops.push(stop);
    await sleep(60);
    expect(existsSync(file)).toBe(false);
  });

  it("keeps going when the file cannot be written", async () => {
    const file = path.join(healthFile(), "missing-dir", "health");
    let checks = 0;
    const { stop } = startHealthFile({ file, log, intervalMs: 10, isAlive: async () => ++checks > 0 });
    stops.push(stop);
    await eventually(() => (checks > 2 ? true : undefined), { what: "three liveness checks" });
  });
});

describe("readHealthFile", () => {
  it("is unhealthy while the file does not exist", async () => {
    const verdict = await readHealthFile(healthFile());
    expect(verdict).toMatchObject({ healthy: false });
    expect(verdict.message).toMatch(/not heartbeated yet/);
  });

  it("is healthy while the file is younger than the limit", async () => {
    const file = healthFile();
    writeFileSync(file, "now");
    expect(await readHealthFile(file, 30_000)).toMatchObject({ healthy: true });
  });

  it("is unhealthy once the file is older than the limit", async () => {
    const file = healthFile();
    writeFileSync(file, "then");
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(file, aMinuteAgo, aMinuteAgo);
    const verdict = await readHealthFile(file, 30_000);
    expect(verdict).toMatchObject({ healthy: false });
    expect(verdict.message).toMatch(/last heartbeat 60 s ago \(limit 30 s\)/);
  });
});

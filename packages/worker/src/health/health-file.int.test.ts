import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@converter/shared/logger";
import { workerHeartbeatKey } from "@converter/shared/queue";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../../tests/support/media.js";
import { readHealthFile, startWorkerHealthFile } from "./health-file.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const log = createLogger({ name: "health-int-test", level: "silent" });
const queueName = `health-int-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(path.join(tmpdir(), "worker-health-int-"));
let connection: Redis;

beforeAll(() => {
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await connection.del(workerHeartbeatKey(queueName, "live"));
  connection.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("startWorkerHealthFile (real Redis)", () => {
  it("writes the file while the worker's heartbeat key is live, and the check passes", async () => {
    await connection.set(workerHeartbeatKey(queueName, "live"), "{}", "PX", 30_000);
    const file = path.join(dir, "live");
    const health = startWorkerHealthFile({ healthFile: file, queueName, workerName: "live" }, connection, log);
    try {
      await eventually(() => (existsSync(file) ? true : undefined), { timeoutMs: 5000, what: "the health file" });
      expect(await readHealthFile(file)).toMatchObject({ healthy: true });
    } finally {
      health?.stop();
    }
  });

  it("writes nothing while the worker has no heartbeat in Redis", async () => {
    const file = path.join(dir, "silent");
    const health = startWorkerHealthFile({ healthFile: file, queueName, workerName: "silent" }, connection, log);
    await new Promise((resolve) => setTimeout(resolve, 300));
    health?.stop();
    expect(existsSync(file)).toBe(false);
    expect(await readHealthFile(file)).toMatchObject({ healthy: false });
  });

  it("does nothing without WORKER_HEALTH_FILE", () => {
    expect(
      startWorkerHealthFile({ healthFile: undefined, queueName, workerName: "x" }, connection, log),
    ).toBeUndefined();
  });
});

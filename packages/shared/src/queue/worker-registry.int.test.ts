import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerHeartbeatKey, workerIndexKey } from "./queue-keys.js";
import type { WorkerHeartbeat } from "./worker-heartbeat.js";
import { readWorkerHeartbeats, removeWorkerHeartbeat, writeWorkerHeartbeat } from "./worker-registry.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const queueName = `registry-${process.pid}-${Date.now()}`;
let redis: Redis;

const beat = (name: string): WorkerHeartbeat => ({
  name,
  hardware: "cpu",
  concurrency: 1,
  encoders: { libx264: true },
  active_jobs: 0,
  started_at: new Date().toISOString(),
  routes: ["any"],
});

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys(`converter:${queueName}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("the worker registry (real Redis)", () => {
  it("lists live heartbeats by name, drops an expired one and a removed one", async () => {
    await writeWorkerHeartbeat(redis, queueName, "b-worker", JSON.stringify(beat("b-worker")), 60_000);
    await writeWorkerHeartbeat(redis, queueName, "a-worker", JSON.stringify(beat("a-worker")), 60_000);
    await writeWorkerHeartbeat(redis, queueName, "short-lived", JSON.stringify(beat("short-lived")), 150);
    expect((await readWorkerHeartbeats(redis, queueName)).map((b) => b.name)).toEqual([
      "a-worker",
      "b-worker",
      "short-lived",
    ]);
    await sleep(300);
    expect((await readWorkerHeartbeats(redis, queueName)).map((b) => b.name)).toEqual(["a-worker", "b-worker"]);
    await removeWorkerHeartbeat(redis, queueName, "b-worker");
    expect((await readWorkerHeartbeats(redis, queueName)).map((b) => b.name)).toEqual(["a-worker"]);
    expect(await redis.exists(workerHeartbeatKey(queueName, "b-worker"))).toBe(0);
  });

  it("a host whose clock runs a minute behind still shows its live worker (the key's own expiry decides)", async () => {
    const behind = Date.now() - 50_000;
    await writeWorkerHeartbeat(redis, queueName, "slow-clock", JSON.stringify(beat("slow-clock")), 30_000, behind);
    expect((await readWorkerHeartbeats(redis, queueName)).map((b) => b.name)).toContain("slow-clock");
  });

  it("prunes index entries long past their expiry on the next write", async () => {
    await redis.zadd(workerIndexKey(queueName), Date.now() - 10 * 60_000, "gone-long-ago");
    await writeWorkerHeartbeat(redis, queueName, "a-worker", JSON.stringify(beat("a-worker")), 60_000);
    expect(await redis.zscore(workerIndexKey(queueName), "gone-long-ago")).toBeNull();
  });

  it("reads in two commands however many other keys the database holds (no SCAN)", async () => {
    const filler = `registry-filler-${process.pid}`;
    const pipeline = redis.pipeline();
    for (let n = 0; n < 5000; n++) pipeline.set(`${filler}:${n}`, "x", "EX", 60);
    await pipeline.exec();
    const commands: string[] = [];
    const counting = {
      zrangebyscore: (...args: Parameters<Redis["zrangebyscore"]>) => {
        commands.push("zrangebyscore");
        return redis.zrangebyscore(...args);
      },
      mget: (keys: string[]) => {
        commands.push("mget");
        return redis.mget(keys);
      },
    };
    const beats = await readWorkerHeartbeats(counting as never, queueName);
    expect(beats.length).toBeGreaterThan(0);
    expect(commands).toEqual(["zrangebyscore", "mget"]);
    const keys = await redis.keys(`${filler}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
});

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../support/media.js";
import { ServiceProcess } from "../support/processes.js";
import { RedisServer } from "../support/redis-server.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";
import { Deployment, type Job } from "./harness.js";

async function startRedis(settings: string[]): Promise<RedisServer> {
  return RedisServer.start({ appendonly: false, settings });
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("Redis eviction policy (real redis-server, real worker)", () => {
  it("refuses to start against a Redis whose maxmemory-policy is not noeviction, saying why", async () => {
    const redis = await startRedis(["--maxmemory-policy", "allkeys-lru"]);
    cleanups.push(() => redis.destroy());
    const d = new Deployment({ REDIS_URL: redis.url });
    cleanups.push(() => d.destroy());
    const worker = await ServiceProcess.start(
      "worker",
      { REDIS_URL: redis.url, QUEUE_NAME: d.queueName, MEDIA_ROOT: d.mediaRoot },
      { readyLine: "maxmemory-policy is allkeys-lru" },
    );
    expect(await worker.waitForExit()).toBe(78);
    const fatal = worker.output.find((line) => line.includes("maxmemory-policy is allkeys-lru")) ?? "";
    expect(JSON.parse(fatal)).toMatchObject({ level: 60, maxmemory_policy: "allkeys-lru" });
    expect(fatal).toMatch(/it must be noeviction/);
    expect(worker.output.join("\n")).not.toContain("worker ready");
  });

  it("starts with a warning when CONFIG is disabled and the policy cannot be read", async () => {
    const redis = await startRedis(["--rename-command", "CONFIG", ""]);
    cleanups.push(() => redis.destroy());
    const d = new Deployment({ REDIS_URL: redis.url });
    cleanups.push(() => d.destroy());
    const worker = await d.startWorker();
    expect(worker.output.join("\n")).toMatch(/could not read maxmemory-policy.*make sure it is noeviction/);
  });
});

describe("secrets never leave the process (real processes, a Redis with a password)", () => {
  it("keeps API_KEY, WEBHOOK_SECRET and the Redis password out of logs, records, job logs and errors", async () => {
    const secrets = {
      redisPassword: "redis-pw-7f3c1a9e5b",
      apiKey: "api-key-secret-0c4d8e2f6a1b",
      webhookSecret: "webhook-secret-9a8b7c6d5e",
    };
    const redis = await startRedis(["--requirepass", secrets.redisPassword]);
    cleanups.push(() => redis.destroy());
    const d = new Deployment({
      REDIS_URL: redis.urlWithPassword(secrets.redisPassword),
      API_KEY: secrets.apiKey,
      WEBHOOK_SECRET: secrets.webhookSecret,
      // The receiver below listens on loopback.
      WEBHOOK_ALLOW_PRIVATE: "true",
      LOG_LEVEL: "debug",
    });
    const receiver = await WebhookReceiver.start();
    cleanups.push(() => receiver.close());
    cleanups.push(() => d.destroy());
    await makeClip(path.join(d.mediaRoot, "in.mkv"), { width: 160, height: 120, seconds: 0.5 });
    writeFileSync(path.join(d.mediaRoot, "bad.mkv"), "not media");
    await d.startApi();
    await d.startWorker();

    const auth = { "x-api-key": secrets.apiKey };
    const seen: string[] = [];
    const keep = async (res: Response) => {
      const text = await res.text();
      seen.push(text);
      return text;
    };
    await keep(await d.convert({ input: "in.mkv" }, { "x-api-key": `${secrets.apiKey}x` }));
    await keep(await d.convert({ input: "in.mkv", options: { crf: "bad" } }, auth));
    const ids: string[] = [];
    for (const input of ["in.mkv", "bad.mkv"]) {
      ids.push((JSON.parse(await keep(await d.convert({ input, webhook_url: receiver.url() }, auth))) as Job).job_id);
    }
    for (const id of ids) {
      const job = await eventually(
        async () => {
          const current = await d.job(id, auth);
          return ["completed", "failed"].includes(current.status) ? current : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `job ${id} to finish` },
      );
      expect(job.status).toBe(id === ids[0] ? "completed" : "failed");
      await keep(await d.request(`/jobs/${id}`, { headers: auth }));
      await keep(await d.request(`/jobs/${id}/logs`, { headers: auth }));
    }
    // Both webhooks were delivered, signed with the secret, which never travels itself.
    await eventually(() => (receiver.received.length >= 2 ? true : undefined), { what: "both webhooks" });
    for (const delivery of receiver.received) seen.push(JSON.stringify(delivery.headers), delivery.body);
    await keep(await d.request("/jobs", { headers: auth }));
    await keep(await d.request("/health"));
    await keep(await d.request("/openapi.json"));
    await d.stop();

    const everything = [
      ...seen,
      ...(d.api?.output ?? []),
      ...(d.worker?.output ?? []),
      // The job records at rest: SQLite and its write-ahead log.
      ...readdirSync(d.dir)
        .filter((name) => name.startsWith("jobs.db"))
        .map((name) => readFileSync(path.join(d.dir, name), "latin1")),
    ].join("\n");
    expect(everything).toContain(ids[0]);
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
  });
});

import { createConnection, createServer, type Server, type Socket } from "node:net";
import { newJobId } from "@converter/shared/ids";
import type { JobView } from "@converter/shared/jobs";
import { createLogger } from "@converter/shared/logger";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../../../tests/support/media.js";
import { freePort } from "../../../../tests/support/processes.js";
import { answer, WebhookReceiver } from "../../../../tests/support/webhook-receiver.js";
import { bullJobQueue } from "../queue/bull-job-queue.js";
import { createConversionQueue } from "../queue/conversion-queue.js";
import { ConversionQueues } from "../queue/conversion-queues.js";
import { type Db, openDatabase } from "../store/db.js";
import { JobStore } from "../store/job-store.js";
import { JobStateSync } from "../sync/job-state-sync.js";
import { reconcileLiveJobs } from "../sync/reconcile.js";
import { queuedJobRow, sampleReturn } from "../test-support.js";
import { JobViews } from "../views/job-views.js";
import type { Resolver } from "./resolve-target.js";
import { WebhookDispatcher, type WebhookDispatcherOptions } from "./webhook-dispatcher.js";
import { verifyWebhookSignature } from "./webhook-signature.js";
import { WebhookStore } from "./webhook-store.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = "integration-test-secret-0123456789";
const log = createLogger({ name: "webhooks-int", level: "silent" });

let db: Db;
let store: JobStore;
let views: JobViews;
let queueName: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  db = openDatabase(":memory:");
  store = new JobStore(db);
  views = new JobViews(db);
  queueName = `webhooks-int-${process.pid}-${Date.now()}`;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  db.$client.close();
});

/** A dispatcher on real Redis, delivering for real over loopback HTTP. */
async function startDispatcher(
  options: Partial<WebhookDispatcherOptions> = {},
  { start = true } = {},
): Promise<WebhookDispatcher> {
  const connection = options.connection ?? new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  if (!options.connection) await new Promise((resolve) => connection.once("ready", resolve));
  const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const dispatcher = new WebhookDispatcher({
    connection,
    workerConnection,
    queueName,
    store: new WebhookStore(db),
    jobs: views,
    log,
    secret: SECRET,
    allowPrivate: true,
    timeoutMs: 2000,
    maxAttempts: 5,
    backoffMs: 50,
    userAgent: "ffmpeg-converter/test",
    ...options,
  });
  if (start) await dispatcher.start();
  cleanups.push(async () => {
    await dispatcher.queue.obliterate({ force: true }).catch(() => undefined);
    await dispatcher.close();
    connection.disconnect();
    workerConnection.disconnect();
  });
  return dispatcher;
}

async function receiver(script = answer(200)): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start(script);
  cleanups.push(() => r.close());
  return r;
}

/** A job that has just completed, as the events consumer leaves it. */
function completedJob(webhookUrl: string): string {
  const id = newJobId();
  store.insertIfOutputFree(queuedJobRow(id, { webhookUrl }));
  store.markCompleted(id, sampleReturn, new Date().toISOString(), undefined);
  return id;
}

const settledWebhook = (id: string, timeoutMs = 20_000) =>
  eventually(
    () => {
      const webhook = views.get(id)?.webhook;
      return webhook && webhook.status !== "pending" ? webhook : undefined;
    },
    { timeoutMs, what: `the webhook of ${id} to settle` },
  );

describe("webhook delivery (real Redis, real HTTP over loopback)", () => {
  it("POSTs the finished job once, signed, with the documented headers", async () => {
    const hook = await receiver();
    const dispatcher = await startDispatcher();
    const id = completedJob(hook.url());

    // The events consumer, the reconciler and a cancel may all report the same end.
    await Promise.all([dispatcher.jobFinished(id), dispatcher.jobFinished(id)]);
    expect(views.get(id)?.webhook).toMatchObject({ status: "pending", attempts: 0 });
    const webhook = await settledWebhook(id);
    await dispatcher.jobFinished(id);

    expect(webhook).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 200, last_error: null });
    expect(webhook.last_attempt_at).not.toBeNull();
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    if (!request) throw new Error("no request");
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hook");
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "ffmpeg-converter/test",
      "x-converter-event": "job.completed",
      "x-converter-delivery": `${id}-r0`,
    });
    const signature = request.headers["x-converter-signature"] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, signature, request.body, 60)).toBe(true);
    expect(verifyWebhookSignature("some-other-secret-value", signature, request.body, 60)).toBe(false);
    const job = JSON.parse(request.body) as JobView;
    expect(job).toMatchObject({ job_id: id, status: "completed", progress: 100, result: sampleReturn.result });
    expect(JSON.stringify(job)).not.toContain(SECRET);
  });

  it("retries a receiver answering 500 with exponential backoff, delivered on attempt 3", async () => {
    const hook = await receiver((n, _req, res) => res.writeHead(n < 2 ? 500 : 204).end());
    const dispatcher = await startDispatcher({ backoffMs: 200 });
    const id = completedJob(hook.url());
    await dispatcher.jobFinished(id);

    const seen: { attempts: number; code: number | null; error: string | null }[] = [];
    const webhook = await eventually(
      () => {
        const w = views.get(id)?.webhook;
        if (w && seen.at(-1)?.attempts !== w.attempts)
          seen.push({ attempts: w.attempts, code: w.last_status_code, error: w.last_error });
        return w?.status === "delivered" ? w : undefined;
      },
      { intervalMs: 10, what: "delivery" },
    );
    expect(webhook).toMatchObject({ status: "delivered", attempts: 3, last_status_code: 204, last_error: null });
    expect(seen).toContainEqual({ attempts: 1, code: 500, error: "HTTP 500" });
    expect(hook.received).toHaveLength(3);
    const [a, b, c] = hook.received.map((r) => r.at);
    // BullMQ's exponential backoff: 200 ms, then 400 ms.
    const gaps = [(b ?? 0) - (a ?? 0), (c ?? 0) - (b ?? 0)];
    console.info(`webhook backoff gaps (base 200 ms): ${gaps.join(" ms, ")} ms`);
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    // The body is the same bytes every time; only the signature's timestamp may change.
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
  });

  it("does not follow a redirect: the target gets nothing, the attempt fails with 302", async () => {
    const target = await receiver();
    const hook = await receiver(answer(302, { location: target.url("/elsewhere") }));
    const dispatcher = await startDispatcher({ backoffMs: 20 });
    const id = completedJob(hook.url());
    await dispatcher.jobFinished(id);

    const webhook = await settledWebhook(id);
    expect(webhook).toMatchObject({
      status: "failed",
      attempts: 5,
      last_status_code: 302,
      last_error: "redirect not followed (HTTP 302)",
    });
    expect(hook.received).toHaveLength(5);
    expect(target.received).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it("times out a receiver that never answers", async () => {
    const hook = await receiver(() => undefined);
    const dispatcher = await startDispatcher({ timeoutMs: 300, maxAttempts: 1 });
    const id = completedJob(hook.url());
    const started = Date.now();
    await dispatcher.jobFinished(id);

    const webhook = await settledWebhook(id);
    const took = Date.now() - started;
    console.info(`hanging receiver: attempt given up after ${took} ms (timeout 300 ms)`);
    expect(webhook).toMatchObject({
      status: "failed",
      attempts: 1,
      last_status_code: null,
      last_error: "timed out after 300 ms",
    });
    expect(hook.received).toHaveLength(1);
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(5000);
  });

  it("gives up on a dead receiver after the last attempt while the job stays completed", async () => {
    const deadPort = await freePort();
    const dispatcher = await startDispatcher({ backoffMs: 20, maxAttempts: 5 });
    const id = completedJob(`http://127.0.0.1:${deadPort}/hook`);
    await dispatcher.jobFinished(id);

    const webhook = await settledWebhook(id);
    expect(webhook).toMatchObject({
      status: "failed",
      attempts: 5,
      last_status_code: null,
      last_error: "connection refused (ECONNREFUSED)",
    });
    expect(views.get(id)).toMatchObject({ status: "completed", progress: 100, error: null });
  });

  it("refuses at connect time a public-looking name that resolves to loopback (DNS rebinding)", async () => {
    const hook = await receiver();
    const lookups: string[] = [];
    // Public when the URL was submitted; 127.0.0.1 by the time the delivery connects.
    const rebinding: Resolver = async (hostname) => {
      lookups.push(hostname);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const dispatcher = await startDispatcher({ allowPrivate: false, resolve: rebinding });
    const id = completedJob(`http://hooks.example.com:${hook.port}/hook`);
    await dispatcher.jobFinished(id);

    const webhook = await settledWebhook(id);
    expect(lookups).toContain("hooks.example.com");
    expect(webhook).toMatchObject({
      status: "failed",
      attempts: 1,
      last_status_code: null,
      last_error: "refused: 127.0.0.1 is a loopback address",
    });
    expect(hook.connections).toBe(0);
    expect(hook.received).toHaveLength(0);
  });

  it("refuses a literal private address at delivery too (a URL stored before the rules)", async () => {
    const hook = await receiver();
    const dispatcher = await startDispatcher({ allowPrivate: false });
    const id = completedJob(`http://0x7f.1:${hook.port}/hook`);
    await dispatcher.jobFinished(id);
    expect(await settledWebhook(id)).toMatchObject({
      status: "failed",
      last_error: "refused: 127.0.0.1 is a loopback address",
    });
    expect(hook.connections).toBe(0);
  });

  it("queues a webhook that could not be queued while Redis was unreachable, once it is back", async () => {
    const hook = await receiver();
    // A TCP proxy in front of the real Redis stands in for a Redis that is down, then back.
    const proxyPort = await freePort();
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const redisAt = new URL(REDIS_URL);
      const upstream = createConnection(Number(redisAt.port || 6379), redisAt.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          proxy.close(() => resolve());
        }),
    );
    const connection = new Redis(proxyPort, "127.0.0.1", {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => 100,
    });
    connection.on("error", () => undefined);
    const dispatcher = await startDispatcher({ connection });
    const id = completedJob(hook.url());

    await dispatcher.jobFinished(id); // must neither throw nor hang
    expect(views.get(id)).toMatchObject({ status: "completed", webhook_url: hook.url(), webhook: null });

    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = createConversionQueue(redis, queueName);
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    });
    const sync = new JobStateSync(queue, store, log, dispatcher);
    const reconcile = () =>
      reconcileLiveJobs({
        store,
        queues: ConversionQueues.single(queue),
        jobQueue: bullJobQueue(queue, redis),
        syncFor: () => sync,
        log,
        webhooks: dispatcher,
      });
    await expect(reconcile()).rejects.toThrow(/redis connection is/);
    expect(views.get(id)?.webhook).toBeNull();

    await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));
    await eventually(() => (connection.status === "ready" ? true : undefined), { what: "redis back" });
    const report = await reconcile();
    expect(report.webhooksQueued).toBe(1);
    expect(await settledWebhook(id)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(hook.received).toHaveLength(1);
    expect((await reconcile()).webhooksQueued).toBe(0);
  });

  it("delivers again when a retried job ends again, and never for an older run", async () => {
    const hook = await receiver();
    const dispatcher = await startDispatcher();
    const id = completedJob(hook.url());
    await dispatcher.jobFinished(id);
    await settledWebhook(id);
    // What POST /jobs/{id}/retry and the next run leave behind.
    db.$client.prepare("UPDATE jobs SET retries = retries + 1, status = 'failed' WHERE id = ?").run(id);
    await dispatcher.jobFinished(id);
    await eventually(() => (hook.received.length === 2 ? true : undefined), { what: "the second delivery" });
    expect(hook.received.map((r) => r.headers["x-converter-delivery"])).toEqual([`${id}-r0`, `${id}-r1`]);
    expect(hook.received[1]?.headers["x-converter-event"]).toBe("job.failed");
    expect(await settledWebhook(id)).toMatchObject({ status: "delivered", attempts: 1 });
  });
});

import { existsSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import path from "node:path";
import { Redis } from "ioredis";
import { type Browser, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../support/media.js";
import { freePort } from "../support/processes.js";
import { Deployment, errorOf, type Job, REDIS_URL } from "./harness.js";

/**
 * Cross-site writes (issue 13, items 1 and 7), attacked as a hostile page
 * would: a real Chromium opens a page served from another origin, which
 * posts a text/plain form to the dashboard's add-job endpoint (no preflight;
 * the browser resends cached Basic credentials) and frames the dashboard.
 * Nothing may reach the queue, with or without API_KEY. Jobs enter only
 * through the API; the dashboard cannot retry one behind the API's back.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const API_KEY = "cross-origin-e2e-key-0123456789";

let browser: Browser;
let attacker: Server;
let attackerPort = 0;
let attackPage = "";
const deployments: Deployment[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/test does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless", "--disable-gpu"] });
  attackerPort = await freePort();
  attacker = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(attackPage);
  });
  await new Promise<void>((resolve) => attacker.listen(attackerPort, "127.0.0.1", resolve));
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.destroy();
});

async function deployment(env: Record<string, string>): Promise<Deployment> {
  const d = new Deployment(env);
  deployments.push(d);
  await makeClip(path.join(d.mediaRoot, "in.mkv"));
  await d.startApi();
  return d;
}

/** The API as a browser on this machine reaches it: by name, not by IP. */
const apiOrigin = (d: Deployment) => `http://localhost:${d.port}`;

/**
 * A page on another origin (127.0.0.1:<other port>) whose form posts a JSON
 * job to the dashboard's add endpoint as text/plain: the field's name and
 * value join into `{"name":…,"data":{…},"pad":"="}`.
 */
function formAttack(d: Deployment): string {
  const job = JSON.stringify({
    name: "convert",
    data: { input: "in.mkv", output: "converted/planted.mp4", preset: "h264", overwrite: true },
    options: {},
  });
  const name = `${job.slice(0, -1)},"pad":"`;
  const action = `${apiOrigin(d)}/admin/queues/api/queues/${encodeURIComponent(d.queueName)}/add`;
  return `<!doctype html><form method="POST" enctype="text/plain" action="${action}">
    <input type="hidden" name='${name.replaceAll("'", "&#39;")}' value='"}'></form>
    <script>document.forms[0].submit()</script>`;
}

/** Jobs BullMQ holds for the queue, in any state (read from its lists and sets directly). */
async function queuedJobs(queueName: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const key = (name: string) => `bull:${queueName}:${name}`;
    const [wait, active, paused, prioritized, delayed, completed, failed] = await Promise.all([
      redis.llen(key("wait")),
      redis.llen(key("active")),
      redis.llen(key("paused")),
      redis.zcard(key("prioritized")),
      redis.zcard(key("delayed")),
      redis.zcard(key("completed")),
      redis.zcard(key("failed")),
    ]);
    return wait + active + paused + prioritized + delayed + completed + failed;
  } finally {
    redis.disconnect();
  }
}

/** Runs the attack page in a fresh browser context; resolves with the status the form's POST got. */
async function runFormAttack(d: Deployment, credentials?: { username: string; password: string }) {
  attackPage = formAttack(d);
  const context = await browser.newContext(credentials ? { httpCredentials: credentials } : {});
  const page = await context.newPage();
  const answered = page.waitForResponse((res) => res.url().endsWith("/add"), { timeout: 20_000 });
  await page.goto(`http://127.0.0.1:${attackerPort}/`);
  const res = await answered;
  const status = res.status();
  await context.close();
  return status;
}

describe("a page on another origin (real Chromium, real api and Redis)", () => {
  it("cannot add a job through the dashboard with auth off", async () => {
    const d = await deployment({});
    expect(await runFormAttack(d)).toBe(403);
    expect(await queuedJobs(d.queueName)).toBe(0);
  });

  it("cannot add a job through the dashboard with API_KEY set, though the browser resends Basic credentials", async () => {
    const d = await deployment({ API_KEY });
    // The victim opened the dashboard before: the browser holds its credentials for that origin.
    const status = await runFormAttack(d, { username: "admin", password: API_KEY });
    expect([401, 403]).toContain(status);
    expect(status).not.toBe(200);
    expect(await queuedJobs(d.queueName)).toBe(0);
  });

  it("cannot frame the dashboard", async () => {
    const d = await deployment({});
    attackPage = `<!doctype html><iframe id="f" src="${apiOrigin(d)}/admin/queues"></iframe>`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const framed = page.waitForResponse((res) => res.url().endsWith("/admin/queues"), { timeout: 20_000 });
    await page.goto(`http://127.0.0.1:${attackerPort}/`);
    expect((await framed).headers()["x-frame-options"]).toBe("DENY");
    // The frame never shows the dashboard: Chromium blocks the document.
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const title = await frame?.title().catch(() => "");
    expect(title ?? "").not.toMatch(/queues|Bull/i);
    await context.close();
  });
});

/** A raw request with any Host header (fetch will not send a Host of our choosing). */
function withHost(d: Deployment, route: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: d.port, path: route, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard cannot put work in the queue past the API (real processes)", () => {
  it("refuses a same-origin add, and a page on a rebinding host name gets nothing at all", async () => {
    const d = await deployment({});
    const add = await d.request(`/admin/queues/api/queues/${encodeURIComponent(d.queueName)}/add`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: `http://127.0.0.1:${d.port}` },
      body: JSON.stringify({ name: "convert", data: {}, options: {} }),
    });
    expect(await errorOf(add)).toMatchObject({ status: 403, code: "dashboard_action_disabled" });
    expect(await queuedJobs(d.queueName)).toBe(0);

    const rebound = await withHost(d, "/jobs", `rebind.attacker.example:${d.port}`);
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: "host_not_allowed" } });
    expect((await withHost(d, "/jobs", `localhost:${d.port}`)).status).toBe(200);
  });

  it("refuses a retry from the dashboard; the API's own retry then runs the job and keeps its record right", async () => {
    const d = await deployment({});
    // A job that fails for a reason that goes away: its input vanishes before a worker looks.
    await makeClip(path.join(d.mediaRoot, "later.mkv"));
    const accepted = await d.convert({ input: "later.mkv", output: "converted/later.mp4" });
    const jobId = ((await accepted.json()) as Job).job_id;
    rmSync(path.join(d.mediaRoot, "later.mkv"));
    await d.startWorker();
    const failed = await d.waitForEnd(jobId);
    expect(failed.job).toMatchObject({ status: "failed", error: { code: "input_not_found" } });
    await makeClip(path.join(d.mediaRoot, "later.mkv"));

    const retried = await d.request(
      `/admin/queues/api/queues/${encodeURIComponent(d.queueName)}/${encodeURIComponent(jobId)}/retry`,
      { method: "PUT", headers: { origin: `http://127.0.0.1:${d.port}` } },
    );
    expect(await errorOf(retried)).toMatchObject({ status: 403, code: "dashboard_action_disabled" });
    const retryAll = await d.request(`/admin/queues/api/queues/${encodeURIComponent(d.queueName)}/retry/failed`, {
      method: "PUT",
    });
    expect(await errorOf(retryAll)).toMatchObject({ status: 403, code: "dashboard_action_disabled" });
    expect((await d.job(jobId)).status).toBe("failed");

    const viaApi = await d.request(`/jobs/${jobId}/retry`, { method: "POST" });
    expect(viaApi.status).toBe(202);
    const done = await d.waitForEnd(jobId);
    expect(done.job).toMatchObject({ status: "completed", retries: 1 });
    await eventually(() => (existsSync(path.join(d.mediaRoot, "converted", "later.mp4")) ? true : undefined), {
      what: "the retried job's output",
    });
  });
});

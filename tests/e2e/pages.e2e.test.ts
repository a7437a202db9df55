import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.js";
import { makeClip } from "../support/media.js";
import { REPO_ROOT } from "../support/processes.js";
import { Deployment } from "./harness.js";

const API_KEY = "pages-e2e-key-0123456789abcdef";
const SCREENSHOTS = path.join(REPO_ROOT, "data", "screenshots");

const deployment = new Deployment({ API_KEY });
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await makeClip(path.join(deployment.mediaRoot, "in.mkv"));
  await deployment.startApi();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await deployment.destroy();
});

/** Every URL the page asked for, to prove nothing is fetched from outside this server. */
async function openPage(route: string, credentials?: { username: string; password: string }) {
  const context = await browser.newContext(credentials ? { httpCredentials: credentials } : {});
  const page = await context.newPage();
  const requested: string[] = [];
  page.on("request", (request) => requested.push(request.url()));
  const response = await page.goto(`${deployment.baseUrl}${route}`);
  return { page, context, response, requested };
}

describe("pages in a real browser", () => {
  it("renders the Swagger UI from local assets, listing the contract's routes", async () => {
    const { page, context, requested } = await openPage("/docs");
    await page.waitForSelector(".swagger-ui .opblock", { timeout: 20_000 });
    const paths = await page.locator(".opblock-summary-path").allInnerTexts();
    for (const route of ["/convert", "/status/{job_id}", "/jobs", "/jobs/{job_id}/logs", "/presets", "/health"]) {
      expect(paths.map((p) => p.replace(/\u200b/g, ""))).toContain(route);
    }
    expect(requested.filter((url) => !url.startsWith(deployment.baseUrl) && !url.startsWith("data:"))).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "docs.png") });
    await context.close();
  });

  it("shows the queue dashboard (conversions and webhooks) behind Basic auth with the API key", async () => {
    const res = await deployment.convert({ input: "in.mkv", output: "out.mp4" }, { "x-api-key": API_KEY });
    expect(res.status).toBe(202);

    // Without credentials the browser gets a Basic challenge.
    const denied = await deployment.request("/admin/queues");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toMatch(/^Basic realm=/);

    const { page, context, requested } = await openPage("/admin/queues", { username: "admin", password: API_KEY });
    await page.getByText(deployment.queueName).first().waitFor({ timeout: 20_000 });
    // Webhook deliveries have their own queue, on the same dashboard.
    await page.getByText(`${deployment.queueName}-webhooks`).first().waitFor({ timeout: 20_000 });
    expect(requested.filter((url) => !url.startsWith(deployment.baseUrl) && !url.startsWith("data:"))).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "queues.png") });
    await context.close();
  });
});

import { mkdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, seriousViolations } from "../support/browser.js";
import { eventually, makeClip, probe } from "../support/media.js";
import { freePort, REPO_ROOT } from "../support/processes.js";
import { Deployment, type Job } from "./harness.js";

/**
 * The web page at /ui (issue 10, docs/adr/0023-web-page.md) in a real
 * Chromium against the real api, worker, Redis and ffmpeg: log in with the
 * key, upload, convert, watch, cancel, retry, download, and a forged
 * cross-site request refused. axe-core on every page, light and dark;
 * screenshots saved in data/screenshots/.
 */
const API_KEY = "web-page-e2e-key-0123456789abcdef";
const AUTH = { "x-api-key": API_KEY };
const SCREENSHOTS = path.join(REPO_ROOT, "data", "screenshots");
const FIRST_LOAD_BUDGET_BYTES = 150 * 1024;

const deployment = new Deployment({ API_KEY });
let browser: Browser;
let session: { context: BrowserContext; page: Page };
let clip = "";

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  clip = await makeClip(path.join(deployment.dir, "upload", "holiday clip.mkv"), {
    width: 640,
    height: 360,
    seconds: 60,
  });
  await makeClip(path.join(deployment.mediaRoot, "library", "short.mkv"), { seconds: 2 });
  // A keyframe every second, in MP4: a segmented job can cut it into 1 s segments (ADR 0026).
  await makeClip(path.join(deployment.mediaRoot, "library", "segmentable.mp4"), { seconds: 4, gop: 25 });
  await deployment.startApi();
  await deployment.startWorker();
  browser = await launchChromium();
  session = await loggedIn();
});
afterAll(async () => {
  await browser?.close();
  await deployment.destroy();
});

async function loggedIn(options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  await page.goto(`${deployment.baseUrl}/ui`);
  await page.fill("#key", API_KEY);
  await page.click("button[type=submit]");
  await page.waitForSelector("#convert-form");
  return { context, page };
}

/** The row of a job, once the page shows it. */
const row = (page: Page, jobId: string) => page.locator(`li.job[data-job-id="${jobId}"]`);

async function submitFromForm(page: Page, submit: () => Promise<void>): Promise<Job> {
  const answer = page.waitForResponse((r) => r.url().endsWith("/convert") && r.request().method() === "POST");
  await submit();
  const res = await answer;
  expect(res.status()).toBe(202);
  return (await res.json()) as Job;
}

/** Reads the row's status and progress bar until the job ends; every progress value shown on the way. */
async function watch(
  page: Page,
  jobId: string,
  until: string[],
): Promise<{ status: string; shown: number[]; stats: string[] }> {
  const shown: number[] = [];
  const stats: string[] = [];
  const status = await eventually(
    async () => {
      const state = await row(page, jobId).evaluate((li) => {
        const item = li as unknown as { dataset: { status?: string }; querySelector(s: string): { value: number } };
        const text = (item.querySelector(".stats") as unknown as { textContent: string }).textContent;
        return { status: item.dataset.status ?? "", value: item.querySelector("progress").value, text };
      });
      if (state.status === "in_progress" && shown.at(-1) !== state.value) shown.push(state.value);
      if (state.status === "in_progress" && stats.at(-1) !== state.text) stats.push(state.text);
      return until.includes(state.status) ? state.status : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 50, what: `job ${jobId} on the page to be ${until.join(" or ")}` },
  ).catch(async (error) => {
    const api = await deployment.job(jobId, AUTH);
    throw new Error(`${error.message}; the API says ${api.status} at ${api.progress} %`);
  });
  return { status, shown, stats };
}

describe("the web page in a real browser", () => {
  it("asks for the key once, keeps only an opaque HttpOnly SameSite=Strict session, and logs out", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.goto(`${deployment.baseUrl}/ui`);
    await page.fill("#key", "not-the-key");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("#key-error").textContent()).toContain("not the API key");
    expect(await page.content()).not.toContain("not-the-key");

    // From the keyboard: the field, the key, Enter.
    await page.focus("#key");
    await page.keyboard.type(API_KEY);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#convert-form");
    expect(page.url()).toBe(`${deployment.baseUrl}/ui`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "converter_session", httpOnly: true, sameSite: "Strict" });
    expect(cookies[0]?.value).not.toContain(API_KEY);
    // Not in the page, not in storage, not in any URL the page asked for.
    expect(await page.content()).not.toContain(API_KEY);
    const stored = await page.evaluate("JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })");
    expect(stored).not.toContain(API_KEY);
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(urls.filter((url) => url.includes(API_KEY))).toEqual([]);
    await page.locator("#jobs-heading").waitFor();

    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForSelector("#key");
    expect(await context.cookies()).toEqual([]);
    // The old session id is dead on the server too, not only forgotten by the browser.
    const replay = await deployment.request("/jobs", { headers: { cookie: `converter_session=${cookies[0]?.value}` } });
    expect(replay.status).toBe(401);
    await context.close();
  });

  it("uploads a clip with a progress bar, shows its probe, converts it live, and downloads what ffprobe reads", async () => {
    const { page } = session;
    await page.setInputFiles("#file", clip);
    await expect.poll(() => page.locator("#upload-status").textContent(), { timeout: 60_000 }).toMatch(/^Uploaded/);
    expect(await page.locator("#upload-progress").evaluate((bar) => (bar as unknown as { value: number }).value)).toBe(
      100,
    );
    const input = await page.inputValue('[name="input"]');
    expect(input).toMatch(/^uploads\/[^/]+\/holiday clip\.mkv$/);
    const probeBox = page.locator("#probe dl");
    await probeBox.waitFor({ timeout: 30_000 });
    const described = await probeBox.textContent();
    expect(described).toContain("640×360");
    expect(described).toMatch(/h264/);
    expect(described).toMatch(/aac/);
    expect(described).toMatch(/1:00/);

    await page.locator("details:has(#f-options-crf) > summary").click();
    await page.selectOption('[name="stream_copy"]', "never");
    await page.fill('[name="output"]', "converted/holiday.mp4");
    const job = await submitFromForm(page, () => page.click("#convert-form button[type=submit]"));
    await row(page, job.job_id).waitFor();
    const { status, shown, stats } = await watch(page, job.job_id, ["completed", "failed"]);
    expect(status).toBe("completed");
    // The bar moved without a reload: values between the ends, never backwards.
    expect(shown.some((value) => value > 0 && value < 100)).toBe(true);
    expect([...shown].sort((a, b) => a - b)).toEqual(shown);
    // Speed and ETA while it ran, e.g. "41.7 % · 3.9× · ETA 0:06 · libx264 · on e2e-worker".
    expect(
      stats.some((text) => /\d× · ETA \d+:\d\d/.test(text)),
      stats.join(" | "),
    ).toBe(true);
    await expect.poll(() => row(page, job.job_id).locator(".stats").textContent()).toMatch(/libx264.*on e2e-worker/);

    const download = page.waitForEvent("download");
    await row(page, job.job_id).getByRole("link", { name: "Download" }).click();
    const file = path.join(deployment.dir, "downloaded.mp4");
    await (await download).saveAs(file);
    expect(statSync(file).size).toBeGreaterThan(0);
    const probed = await probe(file);
    expect(probed.format.format_name).toMatch(/mp4/);
    expect(probed.streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", width: 640 });
    expect(Number(probed.format.duration)).toBeGreaterThan(59);
  }, 300_000);

  it("shows the API's own validation message next to the field it names", async () => {
    const { page } = session;
    await page.fill('[name="options.crf"]', "99");
    await page.fill('[name="output"]', "converted/never.mp4");
    await page.click("#convert-form button[type=submit]");
    const message = page.locator('[data-error-for="options.crf"]');
    await expect.poll(() => message.textContent()).toMatch(/^options\.crf: .*63/);
    expect(await page.getAttribute('[name="options.crf"]', "aria-invalid")).toBe("true");
    await page.fill('[name="options.crf"]', "");
  });

  it("cancels a second job and retries it, from the keyboard", async () => {
    const { page } = session;
    await page.fill('[name="output"]', "converted/second.mp4");
    // A shorter encode (the first 15 s), set from the form like any option.
    await page.fill('[name="options.duration"]', "15");
    await page.focus('[name="output"]');
    const job = await submitFromForm(page, () => page.keyboard.press("Enter"));
    const cancel = row(page, job.job_id).getByRole("button", { name: /^Cancel/ });
    await cancel.focus();
    await page.keyboard.press("Enter");
    expect((await watch(page, job.job_id, ["cancelled"])).status).toBe("cancelled");
    expect((await deployment.job(job.job_id, AUTH)).status).toBe("cancelled");

    const retry = row(page, job.job_id).getByRole("button", { name: /^Retry/ });
    await retry.focus();
    await page.keyboard.press("Enter");
    expect((await watch(page, job.job_id, ["completed", "failed"])).status).toBe("completed");
    const done = await deployment.job(job.job_id, AUTH);
    expect(done).toMatchObject({ status: "completed", retries: 1 });
    expect(done.options).toMatchObject({ duration: 15 });
  }, 300_000);

  it("shows a job's ffmpeg log on demand and a curl for the same submission, without the key", async () => {
    const { page } = session;
    const first = page.locator("li.job").first();
    await first.getByRole("button", { name: /^Log: / }).click();
    await expect.poll(() => first.locator("pre.log").textContent()).toMatch(/ffmpeg .*-i/);
    await first.getByRole("button", { name: /^Copy as curl: / }).click();
    const curl = (await first.locator("pre.curl").textContent()) ?? "";
    expect(curl).toContain(`curl -X POST '${deployment.baseUrl}/convert'`);
    expect(curl).toContain('-H "X-API-Key: $API_KEY"');
    expect(curl).not.toContain(API_KEY);
    // The command submits the same job: run its body against the API (another output, so it is a new job).
    const body = JSON.parse(/-d '(.*)'$/s.exec(curl)?.[1] ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({
      output: "converted/second.mp4",
      stream_copy: "never",
      preset: "h264",
      options: { duration: 15 },
    });
    const again = await deployment.convert({ ...body, output: "converted/third.mp4" }, AUTH);
    expect(again.status).toBe(202);
  });

  it("lists the live worker with its measured encoders, the queue depth, and browses the media root", async () => {
    const { page } = session;
    const worker = page.locator("#workers li.worker").first();
    await worker.waitFor({ timeout: 30_000 });
    expect(await worker.textContent()).toMatch(/e2e-worker[\s\S]*libx264 \(CPU\)/);
    await expect.poll(() => page.locator("#queue-depth").textContent()).toMatch(/^Queue: \d+ waiting, \d+ running$/);
    // The session opens Bull Board too, without a second prompt.
    const board = await session.context.newPage();
    await board.goto(`${deployment.baseUrl}/admin/queues`);
    await board.getByText(deployment.queueName).first().waitFor({ timeout: 30_000 });
    await board.close();

    await page.locator("#browser > summary").click();
    await page.getByRole("button", { name: "library/" }).click();
    await page.getByRole("button", { name: /^short\.mkv/ }).click();
    expect(await page.inputValue('[name="input"]')).toBe("library/short.mkv");
    await expect.poll(() => page.locator("#probe dl").textContent()).toContain("320×240");
  });

  it("resumes an upload where it stood after the connection drops", async () => {
    const { page } = session;
    const small = await makeClip(path.join(deployment.dir, "upload", "resume.mkv"), { seconds: 2 });
    const seen: string[] = [];
    await page.route("**/uploads/tus/*", async (route) => {
      const method = route.request().method();
      seen.push(method);
      // The first chunk never arrives: the page must ask where the upload stands and send it again.
      if (method === "PATCH" && seen.filter((m) => m === "PATCH").length === 1) return route.abort("connectionreset");
      return route.continue();
    });
    await page.setInputFiles("#file", small);
    await expect
      .poll(() => page.locator("#upload-status").textContent(), { timeout: 60_000 })
      .toMatch(/^Uploaded resume\.mkv/);
    await page.unroute("**/uploads/tus/*");
    expect(seen).toEqual(["PATCH", "HEAD", "PATCH"]);
    const uploaded = await page.inputValue('[name="input"]');
    expect(uploaded).toMatch(/^uploads\/[^/]+\/resume\.mkv$/);
    const id = uploaded.split("/")[1];
    const upload = (await (await deployment.request(`/uploads/${id}`, { headers: AUTH })).json()) as {
      status: string;
      size_bytes: number;
    };
    expect(upload).toMatchObject({ status: "complete", size_bytes: statSync(small).size });
  });

  it("takes a file dropped on the page, and says so when ffprobe cannot read it, even if an earlier pick's probe answers last", async () => {
    const { page } = session;
    // The probe of the file picked first is held until the dropped file's probe has answered:
    // the page must keep showing the newer selection (a stale answer once overwrote it).
    let releaseHeldProbe = () => {};
    const heldProbe = new Promise<void>((resolve) => (releaseHeldProbe = resolve));
    await page.route("**/probe", async (route) => {
      if ((route.request().postDataJSON() as { input?: string }).input === "library/short.mkv") await heldProbe;
      await route.continue();
    });
    const heldAnswer = page.waitForResponse(
      (response) =>
        response.url().endsWith("/probe") && response.request().postDataJSON()?.input === "library/short.mkv",
    );
    await page.locator("#browser").evaluate((details: { open: boolean }) => {
      details.open = false;
    });
    await page.locator("#browser > summary").click();
    await page.getByRole("button", { name: "library/" }).click();
    await page.getByRole("button", { name: /^short\.mkv/ }).click();

    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["not a video at all"], "notes.txt", { type: "text/plain" }));
      return transfer;
    })()`);
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dropped });
    await expect
      .poll(() => page.locator("#upload-status").textContent(), { timeout: 30_000 })
      .toMatch(/^Uploaded notes\.txt \(18 B\)/);
    expect(await page.inputValue('[name="input"]')).toMatch(/^uploads\/[^/]+\/notes\.txt$/);
    const cannotProbe = /^Cannot probe uploads\/.*notes\.txt: /;
    await expect.poll(() => page.locator("#probe .error").textContent()).toMatch(cannotProbe);

    releaseHeldProbe();
    await (await heldAnswer).finished();
    await page.waitForTimeout(250); // time for the page to handle the late answer, were it to use it
    await page.unroute("**/probe");
    expect(await page.locator("#probe").textContent()).toMatch(cannotProbe);
    expect(await page.inputValue('[name="input"]')).toMatch(/notes\.txt$/);
  });

  it("filters the jobs by status, and a slow answer for an earlier filter does not replace a later one", async () => {
    const { page } = session;
    // The list for "completed" answers only after the one for "failed" was shown: the page must keep the later one.
    let releaseCompleted = () => {};
    const completedHeld = new Promise<void>((resolve) => (releaseCompleted = resolve));
    await page.route("**/jobs?*", async (route) => {
      if (new URL(route.request().url()).searchParams.get("status") === "completed") await completedHeld;
      await route.continue();
    });
    const completedAnswer = page.waitForResponse((response) => response.url().includes("status=completed"));
    await page.selectOption("#status-filter", "completed");
    await page.selectOption("#status-filter", "failed");
    await page.locator("#no-jobs").waitFor();
    releaseCompleted();
    await (await completedAnswer).finished();
    await page.waitForTimeout(250); // time for the page to handle the late answer, were it to use it
    await page.unroute("**/jobs?*");
    expect(await page.locator("#no-jobs").isVisible()).toBe(true);
    expect(await page.locator("li.job").count()).toBe(0);

    await page.selectOption("#status-filter", "completed");
    await expect
      .poll(
        async () =>
          new Set(await page.locator("li.job").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-status")))),
      )
      .toEqual(new Set(["completed"]));
    await page.selectOption("#status-filter", "failed");
    await page.locator("#no-jobs").waitFor();
    expect(await page.locator("li.job").count()).toBe(0);
    await page.selectOption("#status-filter", "");
    await page.locator("li.job").first().waitFor();
  });

  it("shows a segmented job's children done and the workers that ran them", async () => {
    const { page } = session;
    await page.selectOption("#status-filter", ""); // whatever an earlier test left chosen
    const res = await deployment.convert(
      {
        input: "library/segmentable.mp4",
        output: "converted/segmented.mp4",
        stream_copy: "never",
        options: { segments: 1 },
      },
      AUTH,
    );
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    expect(job.segments).not.toBeNull();
    const { status } = await watch(page, job.job_id, ["completed", "failed", "cancelled"]);
    expect(status).toBe("completed");
    await expect
      .poll(() => row(page, job.job_id).locator(".stats").textContent())
      .toMatch(/5 of 5 segments done on e2e-worker/);
  });
});

describe("a forged cross-site request", () => {
  let evil: Server;
  let evilUrl = "";
  const evilPages = new Map<string, string>();

  beforeAll(async () => {
    const port = await freePort();
    evil = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(evilPages.get(req.url ?? "") ?? "");
    });
    await new Promise<void>((resolve) => evil.listen(port, "127.0.0.1", resolve));
    // Same host, another port: another origin but the same site, so SameSite=Strict still sends the cookie.
    evilUrl = `http://127.0.0.1:${port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => evil?.close(resolve));
  });

  const jobs = async () =>
    ((await (await deployment.request("/jobs?limit=100", { headers: AUTH })).json()) as { jobs: Job[] }).jobs;

  /** A job a forged retry would start again: cancelled through the API. */
  async function cancelledJob(): Promise<Job> {
    const res = await deployment.convert({ input: "library/short.mkv", output: "converted/target.mp4" }, AUTH);
    const job = (await res.json()) as Job;
    await deployment.request(`/jobs/${job.job_id}`, { method: "DELETE", headers: AUTH });
    return (await deployment.waitForEnd(job.job_id, 30_000, AUTH)).job;
  }

  it("cannot submit or retry from another site's page with the logged-in browser's session cookie", async () => {
    const { context } = session;
    const target = await cancelledJob();
    expect(target.status).toBe("cancelled");
    const before = await jobs();
    const api = deployment.baseUrl;
    // Forms need no preflight: a bodiless retry, and a text/plain field that joins into a JSON job.
    evilPages.set(
      "/retry",
      `<!doctype html><title>cute cats</title>
      <form method="POST" action="${api}/jobs/${target.job_id}/retry"></form>
      <script>document.forms[0].submit()</script>`,
    );
    evilPages.set(
      "/convert",
      `<!doctype html><title>cute dogs</title>
      <form method="POST" enctype="text/plain" action="${api}/convert">
        <input type="hidden" name='{"input":"library/short.mkv","output":"converted/planted.mp4","pad":"' value='"}'>
      </form>
      <script>document.forms[0].submit()</script>`,
    );
    const page = await context.newPage();
    const answers: { url: string; status: number; cookie: boolean }[] = [];
    page.on("requestfinished", async (request) => {
      if (!request.url().startsWith(api) || request.method() !== "POST") return;
      const headers = await request.allHeaders();
      answers.push({
        url: request.url(),
        status: (await request.response())?.status() ?? 0,
        cookie: "cookie" in headers,
      });
    });
    for (const [attack, lands] of [
      ["retry", `${api}/jobs/${target.job_id}/retry`],
      ["convert", `${api}/convert`],
    ]) {
      await page.goto(`${evilUrl}${attack}`);
      await page.waitForURL(lands ?? "", { timeout: 30_000 });
      expect(await page.locator("body").textContent()).toContain("cross_origin_refused");
    }
    await eventually(() => (answers.length >= 2 ? true : undefined), {
      what: "the forged requests' answers",
    }).catch((error) => {
      throw new Error(`${error.message}: ${JSON.stringify(answers)}`);
    });
    expect(answers.map((a) => a.url)).toEqual([`${api}/jobs/${target.job_id}/retry`, `${api}/convert`]);
    // The browser sent the session cookie (same site, another origin); the origin check refused the requests anyway.
    for (const answer of answers) expect(answer).toMatchObject({ status: 403, cookie: true });

    const after = await jobs();
    expect(after.map((job) => job.job_id)).toEqual(before.map((job) => job.job_id));
    expect(after.find((job) => job.job_id === target.job_id)?.status).toBe("cancelled");
    await page.close();
  });

  it("cannot cancel, submit or retry with a stolen session cookie and another site's Origin (raw HTTP)", async () => {
    const cookie = (await session.context.cookies()).find((c) => c.name === "converter_session");
    expect(cookie).toBeDefined();
    const headers = { cookie: `converter_session=${cookie?.value}`, origin: "https://evil.example" };
    const running = (await (
      await deployment.convert({ input: "library/short.mkv", output: "converted/kept.mp4" }, AUTH)
    ).json()) as Job;
    const target = await cancelledJob();
    const forged = [
      await deployment.request(`/jobs/${running.job_id}`, { method: "DELETE", headers }),
      await deployment.request(`/jobs/${target.job_id}/retry`, { method: "POST", headers }),
      await deployment.convert({ input: "library/short.mkv", output: "converted/planted.mp4" }, headers),
    ];
    for (const res of forged) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("cross_origin_refused");
    }
    // The same cookie from the page's own origin is a login: it reads.
    expect((await deployment.request("/jobs", { headers: { cookie: headers.cookie } })).status).toBe(200);
    expect((await deployment.waitForEnd(running.job_id, 60_000, AUTH)).job.status).toBe("completed");
    expect((await deployment.job(target.job_id, AUTH)).status).toBe("cancelled");
  });
});

describe("the page's weight, accessibility and looks", () => {
  /** A browser that already holds the logged-in session (the cookie only), with nothing cached. */
  async function withSession(options: BrowserContextOptions = {}) {
    const context = await browser.newContext(options);
    const cookie = (await session.context.cookies()).find((c) => c.name === "converter_session");
    if (cookie) await context.addCookies([cookie]);
    return context;
  }

  it(`loads in under ${FIRST_LOAD_BUDGET_BYTES / 1024} KB the first time, from this server alone`, async () => {
    const context = await withSession();
    const page = await context.newPage();
    const requests: import("playwright-core").Request[] = [];
    page.on("requestfinished", (request) => requests.push(request));
    await page.goto(`${deployment.baseUrl}/ui`);
    await page.locator("li.job").first().waitFor();
    await page.locator("#workers li").first().waitFor();
    let bytes = 0;
    for (const request of requests) {
      const sizes = await request.sizes();
      bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    }
    const urls = requests.map((r) => r.url());
    expect(urls.filter((url) => !url.startsWith(deployment.baseUrl) && !url.startsWith("data:"))).toEqual([]);
    expect(urls).toContain(`${deployment.baseUrl}/ui/assets/app.js`);
    console.log(`first load of /ui: ${requests.length} requests, ${bytes} bytes`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
    await context.close();
  });

  const SCHEMES = ["light", "dark"] as const;
  const WIDTHS = [
    { width: 1920, height: 1080 },
    { width: 375, height: 812 },
  ];
  const backgrounds = { light: new Set<unknown>(), dark: new Set<unknown>() };
  it.each(["login", "app"])(
    "the %s page: no serious or critical axe violation, light and dark, at 1920 and 375 px; screenshots saved",
    async (name) => {
      for (const colorScheme of SCHEMES) {
        for (const viewport of WIDTHS) {
          // axe is injected as a script, which the page's own CSP rightly refuses.
          const options = { colorScheme, viewport, bypassCSP: true } as const;
          const context = name === "app" ? await withSession(options) : await browser.newContext(options);
          const page = await context.newPage();
          await page.goto(`${deployment.baseUrl}/ui`);
          if (name === "app") {
            await page.locator("li.job").first().waitFor();
            await page.locator("#workers li").first().waitFor();
          } else {
            await page.locator("#key").waitFor();
          }
          const where = `${name}, ${colorScheme}, ${viewport.width} px`;
          backgrounds[colorScheme].add(await page.evaluate("getComputedStyle(document.body).backgroundColor"));
          expect(await seriousViolations(page), where).toEqual([]);
          // Nothing wider than the screen: no sideways scrolling on a phone.
          expect(await page.evaluate("document.documentElement.scrollWidth"), where).toBeLessThanOrEqual(
            viewport.width,
          );
          await page.screenshot({
            path: path.join(SCREENSHOTS, `ui-${name}-${colorScheme}-${viewport.width}.png`),
            fullPage: true,
          });
          await context.close();
        }
      }
      // The system's setting decides: one background in light, another in dark.
      expect(backgrounds.light.size).toBe(1);
      expect(backgrounds.dark.size).toBe(1);
      expect([...backgrounds.light]).not.toEqual([...backgrounds.dark]);
    },
  );
});

describe("the web page without API_KEY", () => {
  const open = new Deployment();

  beforeAll(async () => {
    await open.startApi();
  });
  afterAll(async () => {
    await open.destroy();
  });

  it("needs no login: the page, its form and its live list at once, and no session cookie", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${open.baseUrl}/ui`);
    await page.waitForSelector("#convert-form");
    expect(await page.locator("#key").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
    await expect.poll(() => page.locator("#live").textContent()).toBe("● live");
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

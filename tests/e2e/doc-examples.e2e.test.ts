import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocExamples } from "../support/doc-examples.js";
import { type DocTarget, runDocBlocks } from "../support/doc-runner.js";
import { makeClip } from "../support/media.js";
import { REPO_ROOT } from "../support/processes.js";
import { Deployment } from "./harness.js";

// Every curl example of the README and of API_DOCUMENTATION.md runs against a
// real api + worker, in document order, as a reader would paste them; status
// codes, headers and the fields each example shows are compared (ADR 0029).
const API_KEY = "doc-examples-key-0123456789";
const deployment = new Deployment({
  API_KEY,
  WEBHOOK_SECRET: "doc-examples-webhook-secret-0123",
  MAX_UPLOAD_BYTES: "41943040",
});
let target: DocTarget;

beforeAll(async () => {
  const media = deployment.mediaRoot;
  const home = path.join(deployment.dir, "home");
  // What the examples name: the README's ~/Videos/holiday.mkv (long enough to be
  // cancelled while it runs), API_DOCUMENTATION.md's incoming/sample.mkv, a
  // holiday.mkv to upload, a movie.mp4 to segment, a file too big to convert and one ffprobe refuses.
  await makeClip(path.join(home, "Videos", "holiday.mkv"), { width: 640, height: 360, seconds: 10 });
  await makeClip(path.join(media, "incoming", "sample.mkv"), { width: 640, height: 360, seconds: 4 });
  await makeClip(path.join(deployment.dir, "holiday.mkv"), { width: 320, height: 240, seconds: 2 });
  await makeClip(path.join(media, "incoming", "holiday.mkv"), { width: 320, height: 240, seconds: 2 });
  // Segmented encoding's movie.mp4: a keyframe every second, so 2 s segments can be cut.
  await makeClip(path.join(media, "incoming", "movie.mp4"), { width: 320, height: 240, seconds: 6, gop: 25 });
  writeFileSync(path.join(media, "incoming", "huge.mkv"), "");
  truncateSync(path.join(media, "incoming", "huge.mkv"), 30_000_000_000); // sparse: no disk used
  writeFileSync(path.join(media, "incoming", "notes.txt"), "not a video\n");
  mkdirSync(path.join(media, "incoming", "old"));
  await deployment.startApi();
  await deployment.startWorker({ WORKER_NAME: "docs-worker-1", HARDWARE: "cpu" });
  target = {
    baseUrl: deployment.baseUrl,
    queueName: deployment.queueName,
    cwd: deployment.dir,
    env: { API_KEY, HOME: home },
  };
});
afterAll(() => deployment.destroy());

async function runDocument(file: string) {
  const blocks = parseDocExamples(readFileSync(path.join(REPO_ROOT, file), "utf8"), file);
  const { examples, failures } = await runDocBlocks(blocks, target);
  console.log(`${file}: ${examples} curl examples in ${blocks.length} blocks executed, ${failures.length} failed`);
  expect(failures.join("\n\n")).toBe("");
  expect(examples).toBeGreaterThan(0);
  return examples;
}

describe("documentation examples against a live deployment", () => {
  it("runs the README's examples in order, as a new user would", { timeout: 300_000 }, async () => {
    expect(await runDocument("README.md")).toBeGreaterThanOrEqual(8);
  });

  it("runs every curl example of API_DOCUMENTATION.md", { timeout: 600_000 }, async () => {
    expect(await runDocument("API_DOCUMENTATION.md")).toBeGreaterThanOrEqual(50);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../support/media.js";
import { failureLines, runCollection, summaryLine } from "../support/newman-run.js";
import { REPO_ROOT } from "../support/processes.js";
import { Deployment } from "./harness.js";

// The Postman collection at the repository root, run by newman as a user
// would run it, against a real api + worker: every request, and every test
// script in it (submit, keep the job id, poll until completed, download).
const API_KEY = "postman-e2e-key-0123456789";
const deployment = new Deployment({ API_KEY });

beforeAll(async () => {
  await makeClip(path.join(deployment.mediaRoot, "incoming", "sample.mkv"), { width: 640, height: 360, seconds: 2 });
  // The segmented-encoding folder's input: a keyframe every second, so 1 s segments can be cut.
  await makeClip(path.join(deployment.mediaRoot, "incoming", "segmentable.mp4"), { seconds: 3, gop: 25 });
  await makeClip(path.join(deployment.dir, "sample.mkv"), { width: 320, height: 240, seconds: 1 });
  await deployment.startApi();
  await deployment.startWorker({ HARDWARE: "cpu" });
});
afterAll(() => deployment.destroy());

describe("postman_collection.json", () => {
  it("is a Postman v2.1 collection with baseUrl and apiKey, sending X-API-Key from apiKey", () => {
    const collection = JSON.parse(readFileSync(path.join(REPO_ROOT, "postman_collection.json"), "utf8"));
    expect(collection.info.schema).toBe("https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
    expect(collection.variable.map((v: { key: string }) => v.key)).toEqual(
      expect.arrayContaining(["baseUrl", "apiKey"]),
    );
    expect(collection.auth).toEqual({
      type: "apikey",
      apikey: [
        { key: "key", value: "X-API-Key", type: "string" },
        { key: "value", value: "{{apiKey}}", type: "string" },
        { key: "in", value: "header", type: "string" },
      ],
    });
  });

  it("passes every request and assertion under newman against a live api and worker", {
    timeout: 300_000,
  }, async () => {
    const summary = await runCollection({
      collection: path.join(REPO_ROOT, "postman_collection.json"),
      envVar: [
        { key: "baseUrl", value: deployment.baseUrl },
        { key: "apiKey", value: API_KEY },
      ],
      workingDir: deployment.dir,
      timeoutRequest: 30_000,
    });
    console.log(summaryLine(summary));
    expect(summary.error).toBeUndefined();
    expect(failureLines(summary)).toEqual([]);
    expect(summary.run.stats.requests.failed).toBe(0);
    expect(summary.run.stats.assertions.failed).toBe(0);
    // Every request ran (the status poll adds some), and their tests asserted something.
    expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(40);
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(60);
  });
});

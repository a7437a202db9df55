import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConverterApiError, createConverterClient, type Job, unwrap } from "@converter/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../support/media.js";
import { REPO_ROOT } from "../support/processes.js";
import { Deployment } from "./harness.js";

// The typed client (@converter/client, generated from the OpenAPI document at build time) and the
// command line built on it (packages/cli/dist/main.js), against the real api and worker processes.
const API_KEY = "cli-e2e-key-0123456789";
const deployment = new Deployment({ API_KEY });
const CLI = path.join(REPO_ROOT, "packages", "cli", "dist", "main.js");
const localClip = path.join(deployment.dir, "local", "talk.mkv");

type Run = { code: number; stdout: string; stderr: string };

/** Runs the built CLI as a script would, with CONVERTER_URL and CONVERTER_API_KEY set. */
function converter(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const fullEnv = { ...process.env, CONVERTER_URL: deployment.baseUrl, CONVERTER_API_KEY: API_KEY, ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: fullEnv }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const client = () => createConverterClient(deployment.baseUrl, API_KEY);

beforeAll(async () => {
  await Promise.all([
    makeClip(localClip, { width: 320, height: 240, seconds: 2 }),
    makeClip(path.join(deployment.mediaRoot, "incoming", "remote.mkv"), { width: 320, height: 240, seconds: 1 }),
  ]);
  writeFileSync(path.join(deployment.mediaRoot, "incoming", "broken.mp4"), "not a video ".repeat(1000));
  await deployment.startApi();
  await deployment.startWorker();
});
afterAll(() => deployment.destroy());

describe("typed client", () => {
  it("reads the API with the types of its OpenAPI document", async () => {
    const { presets } = await unwrap(client().GET("/presets"));
    expect(presets.map((p) => p.name)).toContain("h264-720p");
    const health = await unwrap(client().GET("/health"));
    expect(health.status).toBe("ok");
  });

  it("turns an error answer into its code", async () => {
    const wrongKey = createConverterClient(deployment.baseUrl, "not-the-key-at-all");
    const failure = await unwrap(wrongKey.GET("/jobs", { params: { query: {} } })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConverterApiError);
    expect(failure).toMatchObject({ status: 401, code: "unauthorized" });
    const missing = await unwrap(client().GET("/status/{job_id}", { params: { path: { job_id: "nope" } } })).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ status: 404, code: "job_not_found" });
  });
});

describe("converter (the command line)", () => {
  it("uploads a local file, converts it with a progress wait, downloads the result", async () => {
    const out = path.join(deployment.dir, "downloads", "talk-720p.mp4");
    mkdirSync(path.dirname(out), { recursive: true });
    const run = await converter([
      "convert",
      localClip,
      "--preset",
      "h264-720p",
      "--stream-copy",
      "never",
      "--wait",
      "--out",
      out,
    ]);
    expect(run.stderr).toMatch(/^uploading .*talk\.mkv/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^completed \S+: converted\/\S+\/talk\.mp4 \(h264\/aac, 960x720, 2\.0 s, .*\)\nsaved /);
    const probed = await probe(out);
    expect(probed.streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", height: 720 });
    expect(probed.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("aac");
    // The download went to a temporary name first: only the finished file is left.
    expect(readdirSync(path.dirname(out))).toEqual([path.basename(out)]);
  });

  it("converts a media-root path with --json: one JSON document on stdout, for scripts", async () => {
    const run = await converter([
      "convert",
      "incoming/remote.mkv",
      "--preset",
      "h264-720p",
      "--option",
      "crf=30",
      "--output",
      "converted/remote-crf30.mp4",
      "--stream-copy",
      "never",
      "--wait",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout) as Job;
    expect(job).toMatchObject({
      status: "completed",
      input: "incoming/remote.mkv",
      output: "converted/remote-crf30.mp4",
    });
    expect(job.options.crf).toBe(30);
    expect(job.result).toMatchObject({ video_codec: "h264", height: 720 });

    const status = await converter(["status", job.job_id, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ job_id: job.job_id, status: "completed" });
    const list = await converter(["jobs", "--status", "completed", "--json"]);
    expect((JSON.parse(list.stdout) as { jobs: Job[] }).jobs.map((j) => j.job_id)).toContain(job.job_id);
    const human = await converter(["status", job.job_id]);
    expect(human.stdout).toMatch(/^status {4}completed$/m);
  });

  it("exits non-zero with the error code when the service refuses or the job fails", async () => {
    const refused = await converter(["convert", "incoming/nope.mkv", "--remote"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: input_not_found: /m);
    const refusedJson = await converter(["convert", "incoming/nope.mkv", "--json"]);
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({ error: { code: "input_not_found" } });

    const failed = await converter(["convert", "incoming/broken.mp4", "--stream-copy", "never", "--wait"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error: invalid_media: /m);
    const jobId = /^queued (\S+):/m.exec(failed.stderr)?.[1] ?? "";

    // A failed job cannot be cancelled (job_finished); it can run again.
    const cancel = await converter(["cancel", jobId]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^error: job_finished: /m);
    const retry = await converter(["retry", jobId, "--json"]);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ job_id: jobId, retries: 1 });
    await eventually(
      async () =>
        (await unwrap(client().GET("/status/{job_id}", { params: { path: { job_id: jobId } } }))).status === "failed"
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 100, what: "the retried job to fail again" },
    );

    const noKey = await converter(["presets"], { CONVERTER_API_KEY: "" });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^error: unauthorized: /m);
    const nowhere = await converter(["health"], { CONVERTER_URL: "http://127.0.0.1:9" });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^error: connection_failed: /m);
  });

  it("lists presets and health, as text and as JSON", async () => {
    const presets = await converter(["presets"]);
    expect(presets.code).toBe(0);
    expect(presets.stdout).toMatch(/^h264-720p +mp4 +h264 +aac /m);
    const health = await converter(["health", "--json"]);
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ status: "ok", redis: "ok" });
  });

  it("has --help everywhere and refuses a bad command line with status 2", async () => {
    const main = await converter(["--help"]);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain("convert <file>");
    for (const command of ["convert", "jobs", "status", "cancel", "retry", "presets", "health"]) {
      const help = await converter([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: converter ${command}`);
    }
    const unknownFlag = await converter(["convert", "x.mkv", "--frobnicate"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/--frobnicate/);
    expect((await converter(["transcode"])).code).toBe(2);
    expect((await converter([])).code).toBe(2);
  });
});

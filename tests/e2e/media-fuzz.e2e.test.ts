import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../support/media.js";
import { hasZzuf, mutate } from "../support/mutate.js";
import { Deployment, type Job } from "./harness.js";

/**
 * Media fuzzing: mutated copies of valid files go through the real worker.
 * ffmpeg may fail on them; the worker may not crash, retry them as its own
 * fault, leave a job running or leave a temporary file behind.
 */
const SEEDS = Array.from({ length: 14 }, (_, i) => i + 1);
const RATIOS = [0.0005, 0.002, 0.01, 0.04];

const deployment = new Deployment({ JOB_TIMEOUT_SECONDS: "30" });
const inputs: string[] = [];

beforeAll(async () => {
  const root = deployment.mediaRoot;
  const bases = [
    await makeClip(path.join(root, "base", "clip.mp4"), { width: 160, height: 120, seconds: 1, rate: 10 }),
    await makeClip(path.join(root, "base", "clip.mkv"), { width: 160, height: 120, seconds: 1, rate: 10 }),
  ];
  for (const base of bases) {
    const bytes = readFileSync(base);
    for (const seed of SEEDS) {
      const ratio = RATIOS[seed % RATIOS.length] ?? 0.01;
      const name = `${seed}-${ratio}-${path.basename(base)}`;
      writeFileSync(path.join(root, name), mutate(bytes, seed, ratio));
      inputs.push(name);
    }
  }
  await deployment.startApi();
  await deployment.startWorker();
});
afterAll(() => deployment.destroy());

describe(`media fuzzing (${hasZzuf ? "zzuf" : "built-in bit flipper"}, real worker)`, () => {
  it("ends every mutated file's job completed or failed as the media's fault, and the worker survives", async () => {
    expect(inputs.length).toBeGreaterThanOrEqual(20);
    const ids: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const res = await deployment.convert({ input, output: `out/${i}.mp4` });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as Job).job_id);
    }
    const outcomes: Record<string, number> = {};
    for (const id of ids) {
      const { job } = await deployment.waitForEnd(id, 60_000);
      const outcome = job.status === "failed" ? `failed:${job.error?.code}` : job.status;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      expect(["completed", "failed"]).toContain(job.status);
      // A retryable worker_error would mean the worker blamed itself for bad media.
      if (job.status === "failed")
        expect(job.error?.code).toMatch(/^(invalid_media|ffmpeg_failed|input_limit_exceeded)$/);
    }
    console.info(`media fuzzing outcomes over ${ids.length} files:`, outcomes);

    expect(deployment.worker?.child.exitCode).toBeNull();
    expect(deployment.worker?.output.join("\n")).not.toMatch(/unexpected error while converting/);
    const list = (await (await deployment.request("/jobs?status=in_progress")).json()) as { jobs: Job[] };
    expect(list.jobs).toEqual([]);
    const out = path.join(deployment.mediaRoot, "out");
    expect(existsSync(out) ? readdirSync(out).filter((f) => f.endsWith(".partial")) : []).toEqual([]);
    expect((await deployment.request("/health")).status).toBe(200);
  });
});

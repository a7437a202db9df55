import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../e2e/harness.js";
import { eventually, makeClip } from "../support/media.js";
import { freePort, REPO_ROOT } from "../support/processes.js";

// The containers as a user runs them (docs/adr/0011-container-images-and-tests.md):
// base images made locally (no registry is reachable here), the api and worker
// targets of docker/Dockerfile built, compose.yaml started (CPU workers, named
// volumes), a file converted over HTTP, the stack stopped and started again,
// workers scaled to two. Takes minutes when nothing is cached.
// DOCKER_TESTS=0 skips it (for a machine without Docker); .ci/run never sets it.

const DOCKER = process.env.DOCKER ?? "docker";
const PROJECT = "ffc-docker-test";
const GPU_PROJECT = "ffc-docker-test-gpus";
const HERE = path.join(REPO_ROOT, "tests", "docker");
const COMPOSE_FILES = ["-f", "compose.yaml", "-f", "tests/docker/compose.test.yaml"];
const MINUTE = 60_000;

type Run = { stdout: string; stderr: string };

/** Runs a command in the repository root; rejects with the end of its output when it fails. */
function run(
  command: string,
  args: string[],
  { env = process.env, timeoutMs = 10 * MINUTE }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-40).join("\n");
      reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}

const docker = (args: string[], timeoutMs?: number) => run(DOCKER, args, { timeoutMs });

// Compose v2 (`docker compose`) where the client has it, else v1 (Debian's docker-compose).
let composeCommand: string[] = [];
let port = 0;

/** compose with only what it should see: not a developer's .env, QUEUE_NAME or API_KEY. */
function compose(args: string[], { project = PROJECT, files = COMPOSE_FILES, timeoutMs = 10 * MINUTE } = {}) {
  const [command, ...prefix] = composeCommand as [string, ...string[]];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) };
  for (const name of ["DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "TMPDIR"]) {
    if (process.env[name]) env[name] = process.env[name];
  }
  return run(command, [...prefix, "--env-file", "tests/docker/compose.env", "-p", project, ...files, ...args], {
    env,
    timeoutMs,
  });
}

async function containers(service: string): Promise<string[]> {
  const { stdout } = await compose(["ps", "-q", service]);
  return stdout.split("\n").filter(Boolean);
}

async function health(id: string): Promise<string> {
  const { stdout } = await docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", id]);
  return stdout.trim();
}

/** Waits until every container of these services reports healthy; fails at once on unhealthy. */
async function waitHealthy(services: Record<string, number>): Promise<void> {
  await eventually(
    async () => {
      for (const [service, count] of Object.entries(services)) {
        const ids = await containers(service);
        if (ids.length !== count) return undefined;
        for (const id of ids) {
          const status = await health(id);
          if (status === "unhealthy") {
            const { stdout } = await docker(["inspect", "-f", "{{json .State.Health.Log}}", id]);
            const logs = await docker(["logs", "--tail", "30", id]).catch((error: Error) => ({
              stdout: error.message,
              stderr: "",
            }));
            throw new Error(`${service} ${id} is unhealthy: ${stdout}\n${logs.stdout}${logs.stderr}`);
          }
          if (status !== "healthy") return undefined;
        }
      }
      return true;
    },
    { timeoutMs: 3 * MINUTE, intervalMs: 1000, what: `healthy containers: ${JSON.stringify(services)}` },
  );
}

const api = (route: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${route}`, init);

async function waitForApi(): Promise<void> {
  await eventually(
    async () => {
      const res = await api("/health").catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    { timeoutMs: 2 * MINUTE, intervalMs: 500, what: "GET /health to answer 200" },
  );
}

const timings: [string, number][] = [];
async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    timings.push([what, (Date.now() - started) / 1000]);
  }
}

async function imageSize(image: string): Promise<string> {
  const { stdout } = await docker(["image", "inspect", "-f", "{{.Size}}", image]);
  return `${(Number(stdout.trim()) / 1e6).toFixed(0)} MB`;
}

async function report(): Promise<void> {
  const lines = ["docker test timings:", ...timings.map(([what, s]) => `  ${what.padEnd(40)} ${s.toFixed(1)} s`)];
  for (const image of ["ffmpeg-converter-api", "ffmpeg-converter-worker"]) {
    lines.push(`  image ${image.padEnd(34)} ${await imageSize(image).catch(() => "missing")}`);
  }
  const df = await docker(["system", "df"]).catch(() => ({ stdout: "docker system df failed\n" }));
  lines.push(
    "docker system df:",
    ...df.stdout
      .trimEnd()
      .split("\n")
      .map((line) => `  ${line}`),
  );
  console.log(lines.join("\n"));
}

const enabled = process.env.DOCKER_TESTS !== "0";
const clipDir = mkdtempSync(path.join(tmpdir(), "docker-test-"));

describe.skipIf(!enabled)("docker: images and compose stack (real engine; no GPU here, so CPU workers)", () => {
  beforeAll(async () => {
    await timed("engine (start dockerd if none runs)", () => run("bash", [path.join(HERE, "engine.sh")]));
    composeCommand = (await docker(["compose", "version"]).then(
      () => true,
      () => false,
    ))
      ? [DOCKER, "compose"]
      : ["docker-compose"];
    port = await freePort();
    // Leftovers of an interrupted run would hold the port or old records.
    await compose(["down", "-v", "--remove-orphans"]);
  }, 5 * MINUTE);

  afterAll(async () => {
    await compose(["down", "-v", "--remove-orphans"]).catch((error: Error) => console.error(error.message));
    rmSync(clipDir, { recursive: true, force: true });
    await report();
  }, 5 * MINUTE);

  it(
    "makes the base images and builds the api and worker targets",
    async () => {
      await timed("base images (debootstrap, node, redis)", () =>
        run("bash", [path.join(HERE, "base-images.sh")], { timeoutMs: 20 * MINUTE }),
      );
      for (const target of ["api", "worker"]) {
        await timed(`build target ${target}`, () =>
          run(
            "bash",
            [
              path.join(HERE, "build.sh"),
              "-f",
              "docker/Dockerfile",
              "--target",
              target,
              "-t",
              `ffmpeg-converter-${target}`,
              ".",
            ],
            { timeoutMs: 30 * MINUTE },
          ),
        );
        const { stdout } = await docker(["image", "inspect", "-f", "{{.Config.User}}", `ffmpeg-converter-${target}`]);
        expect(stdout.trim()).toBe("node");
      }
    },
    60 * MINUTE,
  );

  let jobId = "";
  let outputSize = 0;

  it(
    "starts the stack: non-root containers that pass their health checks",
    async () => {
      await timed("compose up (redis, api, one worker)", () => compose(["up", "-d", "--no-build"]));
      await timed("until api and worker are healthy", () => waitHealthy({ api: 1, worker: 1 }));
      for (const service of ["api", "worker"]) {
        const [id] = await containers(service);
        const { stdout } = await docker(["exec", id as string, "id", "-u"]);
        expect(stdout.trim(), `${service} runs as uid ${stdout.trim()}`).not.toBe("0");
      }
      const healthBody = (await (await api("/health")).json()) as { ffmpeg: { version: string }; workers: unknown[] };
      expect(healthBody.ffmpeg.version).toMatch(/^\d/);
      expect(healthBody.workers).toHaveLength(1);
      // The image's probe server runs against the image's own ffprobe libraries (ADR 0033).
      const [workerId] = await containers("worker");
      const logs = await docker(["logs", workerId as string]);
      expect(`${logs.stdout}${logs.stderr}`).toContain('"probing":"probe-server"');
    },
    10 * MINUTE,
  );

  it(
    "converts a file put into the media volume, over HTTP",
    async () => {
      await makeClip(path.join(clipDir, "incoming", "clip.mkv"), { width: 320, height: 240, seconds: 2 });
      const [apiId] = await containers("api");
      await docker(["cp", path.join(clipDir, "incoming"), `${apiId}:/videos/`]);

      const job = await timed("convert a 2 s clip (submit to completed)", async () => {
        const res = await api("/convert", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ input: "incoming/clip.mkv", preset: "h264" }),
        });
        expect(res.status).toBe(202);
        const submitted = (await res.json()) as Job;
        return eventually(
          async () => {
            const current = (await (await api(`/status/${submitted.job_id}`)).json()) as Job;
            return ["completed", "failed", "cancelled"].includes(current.status) ? current : undefined;
          },
          { timeoutMs: 3 * MINUTE, intervalMs: 250, what: "the conversion to finish" },
        );
      });
      expect(job, JSON.stringify(job)).toMatchObject({ status: "completed", output: "converted/clip.mp4" });
      expect(job.result).toMatchObject({ video_codec: "h264", width: 320, height: 240 });
      jobId = job.job_id;
      outputSize = job.result?.size_bytes as number;
      const { stdout } = await docker(["exec", apiId as string, "stat", "-c", "%s", "/videos/converted/clip.mp4"]);
      expect(Number(stdout)).toBe(outputSize);
    },
    10 * MINUTE,
  );

  it(
    "keeps the job record and the output across down and up",
    async () => {
      await timed("compose down", () => compose(["down"]));
      await timed("compose up again, until healthy", async () => {
        await compose(["up", "-d", "--no-build"]);
        await waitForApi();
        await waitHealthy({ api: 1, worker: 1 });
      });
      const job = (await (await api(`/status/${jobId}`)).json()) as Job;
      expect(job).toMatchObject({ job_id: jobId, status: "completed", output: "converted/clip.mp4" });
      const [apiId] = await containers("api");
      const { stdout } = await docker(["exec", apiId as string, "stat", "-c", "%s", "/videos/converted/clip.mp4"]);
      expect(Number(stdout)).toBe(outputSize);
    },
    10 * MINUTE,
  );

  it(
    "scales to two workers, both healthy and both listed by GET /health",
    async () => {
      await timed("scale to two workers, until both are live", async () => {
        await compose(["up", "-d", "--no-build", "--scale", "worker=2"]);
        await eventually(
          async () => {
            const body = (await (await api("/health")).json()) as { workers: { name: string }[] };
            return body.workers.length === 2 ? body.workers : undefined;
          },
          { timeoutMs: 3 * MINUTE, intervalMs: 1000, what: "two workers in GET /health" },
        );
        await waitHealthy({ api: 1, worker: 2 });
      });
    },
    10 * MINUTE,
  );

  it(
    "validates compose.yaml alone, with compose.gpu.yaml, and with a per-GPU file that gives each worker its own GPU",
    async () => {
      await compose(["config", "-q"], { files: ["-f", "compose.yaml"] });
      await compose(["config", "-q"], { files: ["-f", "compose.yaml", "-f", "compose.gpu.yaml"] });

      const gpus = path.join(clipDir, "compose.gpus.yaml");
      await run(path.join(REPO_ROOT, "scripts", "compose-gpus"), ["0", "1"], {
        env: { ...process.env, COMPOSE_GPUS_FILE: gpus },
      });
      const files = ["-f", "compose.yaml", "-f", gpus];
      await compose(["config", "-q"], { project: GPU_PROJECT, files });
      // Created, never started (no GPU here): what each container would reserve
      // (after the builds: creating needs the images).
      try {
        await compose(["up", "--no-start", "--no-build"], { project: GPU_PROJECT, files });
        const { stdout } = await docker([
          "ps",
          "-a",
          "--filter",
          `label=com.docker.compose.project=${GPU_PROJECT}`,
          "--format",
          '{{.Label "com.docker.compose.service"}}',
        ]);
        expect(stdout.split("\n").filter(Boolean).sort()).toEqual(["api", "redis", "worker-gpu0", "worker-gpu1"]);
        for (const [service, gpu] of [
          ["worker-gpu0", "0"],
          ["worker-gpu1", "1"],
        ] as const) {
          const { stdout: id } = await docker([
            "ps",
            "-aq",
            "--filter",
            `label=com.docker.compose.project=${GPU_PROJECT}`,
            "--filter",
            `label=com.docker.compose.service=${service}`,
          ]);
          const inspected = await docker(["inspect", "-f", "{{json .HostConfig.DeviceRequests}}", id.trim()]);
          expect(JSON.parse(inspected.stdout)).toEqual([
            expect.objectContaining({ Driver: "nvidia", DeviceIDs: [gpu], Count: 0 }),
          ]);
        }
      } finally {
        await compose(["down", "-v", "--remove-orphans"], { project: GPU_PROJECT, files });
      }
    },
    10 * MINUTE,
  );
});

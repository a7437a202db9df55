import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadWorkerConfig, type WorkerConfig } from "@converter/shared/config/worker";
import { freePort, REPO_ROOT, ServiceProcess } from "../../tests/support/processes.js";
import { deleteQueueKeys } from "../../tests/support/redis-keys.js";
import { ApiClient, type HealthView } from "./api-client.js";

/** The Redis the services use: the same variable they read (packages/shared/src/config). */
export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

export type DeploymentSettings = {
  /** Settings for both processes on top of the bench's own, e.g. `{ MAX_CONCURRENT_JOBS: "2" }`. */
  env?: Record<string, string>;
  /** Worker processes (default 1); 0 runs the API alone, e.g. to keep every submission queued. */
  workers?: number;
  /** Pins the worker to this CPU core (`taskset -c N`), e.g. to compare one core with two. */
  workerCpu?: number;
};

let started = 0;

/**
 * One private deployment for a measurement: the real API and one worker from
 * packages/{api,worker}/dist, on a free loopback port, with a queue of their
 * own (bench-<pid>-<n>), a temp dir holding the media root and the SQLite
 * file, LOG_LEVEL=warn (at info the API logs every status poll) and API_KEY
 * unset. Both run detached, in a session of their own: Ctrl-C reaches only
 * the bench, which stops them in order (the worker first).
 */
export class Deployment {
  readonly queueName = `bench-${process.pid}-${++started}`;
  readonly mediaRoot: string;
  /** What both processes get: the caller's environment (less API_KEY) under the bench's settings. */
  readonly env: Record<string, string>;
  readonly api: ApiClient;
  /** The settings the worker runs with, read by the shared loader from the very env it gets. */
  readonly workerConfig: WorkerConfig;
  readonly services: ServiceProcess[] = [];
  private destroying: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly settings: DeploymentSettings,
  ) {
    this.mediaRoot = path.join(dir, "media");
    mkdirSync(this.mediaRoot, { recursive: true });
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    // Auth is off for this private, loopback-only instance.
    delete inherited.API_KEY;
    this.env = {
      // FFMPEG_PATH, FFPROBE_PATH, HARDWARE and the rest of the caller's settings pass through.
      ...inherited,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL,
      QUEUE_NAME: this.queueName,
      MEDIA_ROOT: this.mediaRoot,
      DATABASE_PATH: path.join(dir, "data", "jobs.db"),
      LOG_LEVEL: "warn",
      MAX_CONCURRENT_JOBS: "1",
      WORKER_NAME: `${this.queueName}-worker`,
      ...settings.env,
    };
    this.api = new ApiClient(`http://127.0.0.1:${port}`);
    this.workerConfig = loadWorkerConfig(this.env);
  }

  /** The API process's pid, for its memory (bench/lib/process-memory.ts). */
  get apiPid(): number {
    const pid = this.services.find((service) => service.name === "api")?.child.pid;
    if (pid === undefined) throw new Error("the API is not running");
    return pid;
  }

  /** The pids of every worker process, in the order they started. */
  get workerPids(): number[] {
    return this.services.flatMap((service) =>
      service.name === "worker" && service.child.pid !== undefined ? [service.child.pid] : [],
    );
  }

  /** Starts the API and the workers and waits until GET /health lists every worker. */
  static async start(settings: DeploymentSettings, log: (line: string) => void): Promise<Deployment> {
    for (const kind of ["api", "worker"]) {
      const main = path.join(REPO_ROOT, "packages", kind, "dist", "main.js");
      if (!existsSync(main))
        throw new Error(`${path.relative(REPO_ROOT, main)} is missing: run pnpm exec turbo run build`);
    }
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "ffc-bench-")));
    let deployment: Deployment;
    try {
      deployment = new Deployment(dir, await freePort(), settings);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error; // e.g. a setting of the caller's the worker would refuse too
    }
    log(`starting the API on 127.0.0.1:${deployment.port} and a worker on queue ${deployment.queueName}`);
    try {
      // At warn neither prints a ready line: ready is GET /health listing the worker.
      const options = { readyLine: null, detached: true };
      deployment.services.push(await ServiceProcess.start("api", deployment.env, options));
      const workers = settings.workers ?? 1;
      for (let n = 1; n <= workers; n++) {
        const name = workers === 1 ? deployment.env.WORKER_NAME : `${deployment.env.WORKER_NAME}-${n}`;
        // Pinned workers take the cores from workerCpu on, one each.
        const cpu = settings.workerCpu === undefined ? undefined : settings.workerCpu + n - 1;
        const pinned = cpu === undefined ? {} : { commandPrefix: ["taskset", "-c", String(cpu)] };
        deployment.services.push(
          await ServiceProcess.start(
            "worker",
            { ...deployment.env, WORKER_NAME: name ?? "" },
            { ...options, ...pinned },
          ),
        );
      }
      await deployment.waitHealthy(60_000, workers);
    } catch (error) {
      await deployment.destroy(log);
      throw error;
    }
    return deployment;
  }

  private async waitHealthy(timeoutMs: number, workers: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = "no answer yet";
    while (performance.now() < deadline) {
      this.assertRunning("during start-up");
      try {
        if (await this.api.healthyWithWorkers(workers)) return;
        last = `answered, but without ${workers} live worker(s)`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(
      `the deployment was not healthy after ${timeoutMs} ms; last GET /health: ${last}\n${this.outputTails()}`,
    );
  }

  /**
   * Starts one more worker on the same queue, pinned to a CPU core
   * (`taskset -c N`), and waits until GET /health lists both.
   */
  async addWorker(name: string, cpu: number): Promise<void> {
    const env = { ...this.env, WORKER_NAME: name };
    const commandPrefix = ["taskset", "-c", String(cpu)];
    this.services.push(await ServiceProcess.start("worker", env, { readyLine: null, detached: true, commandPrefix }));
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      this.assertRunning("during start-up");
      const health = await this.api.healthyWithWorkers(1).catch(() => undefined);
      if (health?.workers.some((worker) => worker.name === name)) return;
      await sleep(100);
    }
    throw new Error(`the second worker did not show in GET /health within 60 s\n${this.outputTails()}`);
  }

  /** Stops the API (SIGTERM) and starts it again on the same port, files and queue; resolves once healthy. */
  async restartApi(): Promise<void> {
    const at = this.services.findIndex((service) => service.name === "api");
    const api = this.services[at];
    if (!api) throw new Error("the API is not running");
    await api.stop();
    this.services[at] = await ServiceProcess.start("api", this.env, { readyLine: null, detached: true });
    await this.waitHealthy(60_000, this.workerPids.length);
  }

  /** GET /health, once the deployment is up. */
  async health(): Promise<HealthView> {
    const health = await this.api.healthyWithWorkers(1);
    if (!health) throw new Error("GET /health does not list the worker any more");
    return health;
  }

  /** Throws, with the last lines each printed, if the API or the worker has exited. */
  assertRunning(when = "unexpectedly"): void {
    const dead = this.services.filter((service) => !service.alive);
    if (dead.length > 0) {
      throw new Error(
        dead
          .map((s) => `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}) ${when}:\n${tail(s.output)}`)
          .join("\n"),
      );
    }
  }

  /** The last lines each process printed, for a failure report. */
  outputTails(): string {
    return this.services.map((s) => `--- ${s.name} output (tail) ---\n${tail(s.output)}`).join("\n");
  }

  /** Absolute path of a file under the media root. */
  media(relative: string): string {
    return path.join(this.mediaRoot, relative);
  }

  /** SIGKILL to both process groups at once: the last resort of a `process.on("exit")` handler. */
  killNow(): void {
    for (const service of this.services) service.kill();
  }

  /**
   * Stops the worker, then the API (SIGTERM, SIGKILL to the process group
   * after 10 s), deletes the queue's Redis keys and removes the temp dir.
   * Safe to call twice (a signal during the normal cleanup).
   */
  destroy(log: (line: string) => void = () => undefined): Promise<void> {
    this.destroying ??= (async () => {
      // Worker first, so it hands nothing back to a queue the API no longer watches.
      for (const service of [...this.services].reverse()) await service.stop();
      try {
        const n = await deleteQueueKeys(REDIS_URL, this.queueName);
        if (n > 0) log(`removed ${n} Redis keys of queue ${this.queueName}`);
      } catch (error) {
        log(`could not remove the Redis keys of queue ${this.queueName}: ${(error as Error).message}`);
      }
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.destroying;
  }
}

function tail(lines: readonly string[], count = 20): string {
  return lines.length > 0 ? lines.slice(-count).join("\n") : "(no output)";
}

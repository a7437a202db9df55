import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Node flags the API runs with everywhere: scripts/server, docker/Dockerfile, the tests and the bench. */
export const API_NODE_FLAGS = ["--max-semi-space-size=2", "--heap-growing-percent=50"];

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export type ServiceStartOptions = {
  /** The log line that means ready; null returns at once (the caller checks readiness, e.g. at LOG_LEVEL=warn). */
  readyLine?: string | null;
  timeoutMs?: number;
  /**
   * A session and process group of its own: Ctrl-C in a terminal reaches only
   * the parent, which stops it in order, and stop() SIGKILLs the whole group
   * (with any child the process left in it).
   */
  detached?: boolean;
  /**
   * A command the process runs under, e.g. `["ip", "netns", "exec", ns]` for
   * a worker on a separate host (tests/support/net-hosts.ts). It must exec()
   * the program in place, so the pid, signals and exit code stay its own.
   */
  commandPrefix?: readonly string[];
};

/** A real api or worker process, started from the built dist/ as a user would run it. */
export class ServiceProcess {
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly detached: boolean,
  ) {
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static async start(
    kind: "api" | "worker",
    env: Record<string, string>,
    options: ServiceStartOptions = {},
  ): Promise<ServiceProcess> {
    const {
      readyLine = kind === "api" ? "api listening" : "worker ready",
      timeoutMs = 30_000,
      detached = false,
      commandPrefix = [],
    } = options;
    const [command, ...args] = [
      ...commandPrefix,
      process.execPath,
      // The API runs as scripts/server and the image run it (docs/adr/0032).
      ...(kind === "api" ? API_NODE_FLAGS : []),
      path.join(REPO_ROOT, "packages", kind, "dist", "main.js"),
    ];
    const child = spawn(command as string, args, {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached,
    });
    const service = new ServiceProcess(kind, child, detached);
    if (readyLine === null) return service;
    try {
      await service.waitFor(readyLine, timeoutMs);
    } catch (error) {
      await service.stop("SIGKILL");
      throw error;
    }
    return service;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when a log line containing text appears; fails if the process exits first. */
  waitFor(text: string, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const found = () => this.output.find((line) => line.includes(text));
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no "${text}" within ${timeoutMs} ms. Output:\n${this.output.join("\n")}`));
      }, timeoutMs);
      const onData = () => {
        const line = found();
        if (line) {
          cleanup();
          resolve(line);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${this.name} exited (${code}) before "${text}". Output:\n${this.output.join("\n")}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off("data", onData);
        this.child.stderr?.off("data", onData);
        this.child.off("exit", onExit);
      };
      this.child.stdout?.on("data", onData);
      this.child.stderr?.on("data", onData);
      this.child.once("exit", onExit);
      onData();
    });
  }

  /** Resolves with the exit code once the process exits on its own. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /**
   * Stops the process (SIGTERM, then SIGKILL) and resolves with its exit code.
   * A detached one's whole process group gets the SIGKILL, also when the
   * process itself exited but left a child of its group behind.
   */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<number | null> {
    if (this.alive) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.kill(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.detached && this.groupAlive()) this.kill();
    return this.child.exitCode;
  }

  /** SIGKILL now, synchronously (its group when detached): for a `process.on("exit")` last resort. */
  kill(): void {
    try {
      if (this.detached && this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
      else this.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  private groupAlive(): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

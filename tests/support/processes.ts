import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

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

/** A real api or worker process, started from the built dist/ as a user would run it. */
export class ServiceProcess {
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static async start(
    kind: "api" | "worker",
    env: Record<string, string>,
    { readyLine = kind === "api" ? "api listening" : "worker ready", timeoutMs = 30_000 } = {},
  ): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "packages", kind, "dist", "main.js")], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const service = new ServiceProcess(kind, child);
    try {
      await service.waitFor(readyLine, timeoutMs);
    } catch (error) {
      await service.stop("SIGKILL");
      throw error;
    }
    return service;
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

  /** Stops the process (SIGTERM, then SIGKILL) and resolves with its exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

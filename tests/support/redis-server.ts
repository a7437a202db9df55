import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./processes.js";

export type RedisServerOptions = {
  /** `yes` is the production setting (compose.yaml): queued jobs survive a restart. */
  appendonly: boolean;
  /** More redis-server settings, e.g. ["--requirepass", "pw"] or ["--maxmemory-policy", "allkeys-lru"]. */
  settings?: string[];
  /** The address it listens on; 127.0.0.1 unless a test reaches it from another network namespace (tests/support/net-hosts.ts). */
  bind?: string;
};

/**
 * A private redis-server for a test whose subject is Redis itself (a fault,
 * a password, an eviction policy): its own free port and data folder,
 * stopped and started again on the SAME port, so the api and workers that
 * point at it must reconnect by themselves.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  readonly dir = mkdtempSync(path.join(tmpdir(), "redis-"));
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions): Promise<RedisServer> {
    const server = await RedisServer.reserve(options);
    await server.restart();
    return server;
  }

  /** A server with its port chosen but not started yet: a test of what happens before Redis comes up. */
  static async reserve(options: RedisServerOptions): Promise<RedisServer> {
    return new RedisServer(await freePort(), options);
  }

  get host(): string {
    return this.options.bind ?? "127.0.0.1";
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /** The URL with a password in it, for a server started with --requirepass. */
  urlWithPassword(password: string): string {
    return `redis://:${password}@${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server (first, or again) on its port and data folder; resolves once it accepts connections. */
  async restart(timeoutMs = 15_000): Promise<void> {
    if (this.running) throw new Error("redis-server is already running");
    const args = ["--port", String(this.port), "--bind", this.host, "--save", "", "--dir", this.dir];
    args.push("--appendonly", this.options.appendonly ? "yes" : "no", ...(this.options.settings ?? []));
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`redis-server not ready in ${timeoutMs} ms`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output.push(chunk.toString("utf8"));
        // Printed after the AOF (if any) is loaded, when commands are served.
        if (this.output.join("").includes("Ready to accept connections")) done();
      };
      const onExit = () => done(new Error(`redis-server exited at start:\n${this.output.join("")}`));
      const done = (error?: Error) => {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.off("exit", onExit);
        this.output.length = 0;
        if (error) reject(error);
        else resolve();
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => this.output.push(chunk.toString("utf8")));
      child.once("exit", onExit);
    });
  }

  /**
   * Stops it: SIGTERM is redis' own SHUTDOWN (the AOF is flushed first),
   * SIGKILL a crash. Resolves once the process is gone and the port is free.
   */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    await this.exited;
  }

  async destroy(): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

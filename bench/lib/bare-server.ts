import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { REPO_ROOT } from "../../tests/support/processes.js";

/**
 * The bare Hono baseline (bench/baselines/bare-hono-server.mjs) as a process of its own, like the API;
 * `withPost` adds its POST /convert (submission-burst's baseline).
 */
export class BareHonoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start({ withPost = false } = {}): Promise<BareHonoServer> {
    const script = path.join(REPO_ROOT, "bench", "baselines", "bare-hono-server.mjs");
    const child = spawn(process.execPath, [script, ...(withPost ? ["--with-post"] : [])], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [chunk] = (await Promise.race([
      once(child.stdout as NodeJS.ReadableStream, "data"),
      once(child, "exit").then(() => {
        throw new Error("the bare Hono server exited before listening");
      }),
    ])) as [Buffer];
    return new BareHonoServer(child, `http://127.0.0.1:${Number(String(chunk).trim())}/`);
  }

  /** Its process id, for its CPU time (bench/lib/process-cpu.ts). */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error("the bare Hono server has no process id");
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    await exited;
  }
}

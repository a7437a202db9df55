import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { INPUT_DEMUXERS, PROBE_TIMEOUT_MS, type ProbeHow } from "@converter/shared/probe";

/** What the server said about one file (native/probe-server.c's protocol). */
export type ServerAnswer = { kind: "ok" | "fail"; text: string } | { kind: "timeout" };

/** Library versions the server was linked against, as avformat_version() and friends give them. */
export type ServerVersions = { avformat: number; avcodec: number; avutil: number };

/** The server answers within its own timeout; this much more and it is taken for stuck itself. */
const SERVER_SLACK_MS = 5_000;
const START_TIMEOUT_MS = 10_000;

/**
 * One probe-server process: started once, asked about one file at a time.
 * It rejects (and is dead from then on) when the process fails, exits or
 * stops answering; what a file does to the probing child comes back as an
 * answer, since the server forks a child per file.
 */
export class ProbeServerProcess {
  private buffered = Buffer.alloc(0);
  /** Set while a read waits: called on every chunk and when the process dies. */
  private waiting: (() => void) | undefined;
  private dead: Error | undefined;

  /** Whether the server probes own files in its process ("own" in its hello line; ADR 0039). */
  private ownInProcess = false;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    const die = (why: Error) => {
      this.dead ??= why;
      this.waiting?.();
    };
    child.once("error", die);
    child.once("exit", (code, signal) => die(new Error(`probe-server exited with ${code ?? signal}`)));
    child.stdin.on("error", die);
  }

  /** Starts the binary and reads its hello line; rejects when it cannot run. */
  static async start(
    binary: string,
    timeoutMs = PROBE_TIMEOUT_MS,
  ): Promise<{
    server: ProbeServerProcess;
    versions: ServerVersions;
  }> {
    const child = spawn(binary, [String(timeoutMs), INPUT_DEMUXERS.join(",")], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    const server = new ProbeServerProcess(child);
    try {
      const hello = (await server.readLine(START_TIMEOUT_MS)).split(" ");
      // A server built before ADR 0039 says no "own": every file then goes to a child.
      const known = hello.length === 4 || (hello.length === 5 && hello[4] === "own");
      if (hello[0] !== "ready" || !known) throw new Error(`probe-server said "${hello.join(" ")}"`);
      server.ownInProcess = hello[4] === "own";
      const [avformat, avcodec, avutil] = hello.slice(1).map(Number) as [number, number, number];
      return { server, versions: { avformat, avcodec, avutil } };
    } catch (error) {
      server.close();
      throw error;
    }
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /**
   * Probes one path; one call at a time (the pool sees to that). An own
   * encode (ProbeHow) is probed in the server's process when it can.
   */
  async probe(path: string, how: ProbeHow = {}, timeoutMs = PROBE_TIMEOUT_MS): Promise<ServerAnswer> {
    if (path.includes("\n")) throw new Error("a path with a line break cannot be sent to probe-server");
    if (this.dead) throw this.dead;
    this.child.stdin.write(`${requestLine(path, how.ownEncode === true && this.ownInProcess)}\n`);
    const [kind, length] = (await this.readLine(timeoutMs + SERVER_SLACK_MS)).split(" ");
    const body = await this.readBytes(Number(length), SERVER_SLACK_MS);
    if (kind === "timeout") return { kind };
    if (kind === "ok" || kind === "fail") return { kind, text: body.toString("utf8") };
    this.close();
    throw new Error(`probe-server answered "${kind}"`);
  }

  close(): void {
    this.dead ??= new Error("probe-server was closed");
    this.child.kill("SIGKILL");
  }

  private async readLine(timeoutMs: number): Promise<string> {
    const end = await this.until((buffer) => {
      const at = buffer.indexOf(10);
      return at < 0 ? undefined : at;
    }, timeoutMs);
    const line = this.take(end + 1).toString("utf8");
    return line.slice(0, -1);
  }

  private async readBytes(length: number, timeoutMs: number): Promise<Buffer> {
    if (!Number.isSafeInteger(length) || length < 0) {
      this.close();
      throw new Error("probe-server sent a malformed answer");
    }
    await this.until((buffer) => (buffer.length >= length ? length : undefined), timeoutMs);
    return this.take(length);
  }

  private take(length: number): Buffer {
    const taken = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return taken;
  }

  /** Waits until `found` says the buffer holds what is wanted; the server is closed on a timeout. */
  private until(found: (buffer: Buffer) => number | undefined, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      // What the server wrote before it died still counts.
      const check = (): void => {
        const at = found(this.buffered);
        if (at !== undefined) finish(() => resolve(at));
        else if (this.dead) finish(() => reject(this.dead));
      };
      const timer = setTimeout(() => {
        this.close();
        finish(() => reject(new Error(`probe-server did not answer within ${timeoutMs} ms`)));
      }, timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiting = undefined;
        settle();
      };
      this.waiting = check;
      check();
    });
  }
}

/**
 * The line the server reads: "own <path>" to probe in its process, else the
 * path, made "./own …" if it starts as that request does (a relative name).
 */
function requestLine(path: string, inProcess: boolean): string {
  if (inProcess) return `own ${path}`;
  return path.startsWith("own ") ? `./${path}` : path;
}

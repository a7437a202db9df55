import { type ChildProcessByStdio, spawn } from "node:child_process";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { ProcessListener, StartedProcess } from "./process-starter.js";

const HELLO = "ready ffmpeg-spawner 1";
/**
 * Linux refuses a larger argument list itself (ARG_MAX is 2 MiB with the
 * environment): such a start fails with E2BIG here, before the spawner, which
 * takes requests up to 4 MiB and treats anything larger as a broken worker.
 */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const START_TIMEOUT_MS = 10_000;

type Running = {
  program: string;
  listener: ProcessListener;
  spawned: boolean;
  stdout: StringDecoder;
  stderr: StringDecoder;
};

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * One ffmpeg-spawner process (native/ffmpeg-spawner.c, ADR 0040): the worker's
 * programs are started by it, many at once, each known by an id of ours.
 * When it dies, what it was running has died with it (PR_SET_PDEATHSIG):
 * each such program closes as killed, and a start not yet answered fails.
 */
export class SpawnerProcess {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly running = new Map<number, Running>();
  private nextId = 1;
  private helloSeen = false;
  private dead: Error | undefined;
  private resolveReady: () => void = () => {};
  private rejectReady: (why: Error) => void = () => {};
  /** Settles at its hello line, or when it dies first. */
  private readonly ready = new Promise<void>((resolve, reject) => {
    this.resolveReady = resolve;
    this.rejectReady = reject;
  });

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.ready.catch(() => {});
    child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    child.once("error", (error) => this.die(error));
    // "close", not "exit": what it wrote before it died (an exit frame, say) is read first.
    child.once("close", (code, signal) => this.die(new Error(`ffmpeg-spawner exited with ${code ?? signal}`)));
    // A write to a spawner that is dying: its "close" follows and says why.
    child.stdin.on("error", () => child.kill("SIGKILL"));
  }

  /** Starts the binary; requests may be sent at once, they wait in its stdin until it is ready. */
  static launch(binary: string): SpawnerProcess {
    // Its own session: a Ctrl-C in the worker's terminal is the worker's to handle, not the spawner's.
    const child = spawn(binary, [String(process.pid)], { stdio: ["pipe", "pipe", "ignore"], detached: true });
    return new SpawnerProcess(child);
  }

  /** Starts the binary and waits for its hello line; rejects when it cannot run. */
  static async start(binary: string, timeoutMs = START_TIMEOUT_MS): Promise<SpawnerProcess> {
    const spawner = SpawnerProcess.launch(binary);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        spawner.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`ffmpeg-spawner did not start within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return spawner;
    } catch (error) {
      spawner.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Whether it said hello before it died (a binary that cannot run never does). */
  get started(): boolean {
    return this.helloSeen;
  }

  /** Why it died, once it has. */
  get deathReason(): Error | undefined {
    return this.dead;
  }

  /** A ProcessStarter: the arguments go as NUL-terminated fields, so any byte but NUL is safe. */
  start(program: string, args: readonly string[], fds: readonly number[], listener: ProcessListener): StartedProcess {
    for (const text of [program, ...args]) {
      // As Node's spawn does: a NUL would cut the argument short.
      if (text.includes("\0")) throw new TypeError(`an argument of ${program} contains a null byte`);
    }
    const id = this.nextId++;
    const payload = Buffer.from(`${[fds.join(","), program, ...args].join("\0")}\0`, "utf8");
    const running: Running = {
      program,
      listener,
      spawned: false,
      stdout: new StringDecoder("utf8"),
      stderr: new StringDecoder("utf8"),
    };
    if (this.dead || payload.length > MAX_REQUEST_BYTES) {
      const error = this.dead
        ? new Error(`spawn ${program}: ${this.dead.message}`)
        : Object.assign(new Error(`spawn ${program} E2BIG`), { code: "E2BIG", syscall: "spawn", path: program });
      queueMicrotask(() => listener.error(error));
      return { signalGroup() {} };
    }
    this.running.set(id, running);
    this.child.stdin.write(Buffer.concat([Buffer.from(`spawn ${id} ${payload.length}\n`), payload]));
    return {
      signalGroup: (signal) => {
        if (!this.running.has(id) || this.dead) return;
        this.child.stdin.write(`kill ${id} ${constants.signals[signal]}\n`);
      },
    };
  }

  /** Kills it, and with it (PR_SET_PDEATHSIG) whatever it still runs. */
  close(): void {
    this.die(new Error("ffmpeg-spawner was closed"));
    this.child.kill("SIGKILL");
  }

  /** Once: what it ran has died with it, and what it had not started yet fails. */
  private die(why: Error): void {
    if (this.dead) return;
    this.dead = why;
    this.rejectReady(why);
    for (const running of this.running.values()) {
      if (running.spawned) running.listener.close(null, "SIGKILL");
      else running.listener.error(new Error(`spawn ${running.program}: ${why.message}`));
    }
    this.running.clear();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const newline = this.buffered.indexOf(10);
      if (newline < 0) return;
      const [kind = "", idText = "", a = "", b = ""] = this.buffered.subarray(0, newline).toString("latin1").split(" ");
      let taken = newline + 1;
      if (kind === "out" || kind === "err") {
        const length = Number(a);
        if (this.buffered.length < taken + length) return;
        this.output(Number(idText), kind, this.buffered.subarray(taken, taken + length));
        taken += length;
      } else if (!this.message(kind, idText, a, b)) {
        this.close();
        return;
      }
      this.buffered = this.buffered.subarray(taken);
    }
  }

  private output(id: number, stream: "out" | "err", bytes: Buffer): void {
    const running = this.running.get(id);
    if (!running) return;
    const text = (stream === "out" ? running.stdout : running.stderr).write(bytes);
    if (text === "") return;
    if (stream === "out") running.listener.stdout(text);
    else running.listener.stderr(text);
  }

  /** A line that is not output; false when it makes no sense (the spawner is then closed). */
  private message(kind: string, idText: string, a: string, b: string): boolean {
    if (!this.helloSeen) {
      if (`${kind} ${idText} ${a}` !== HELLO) return false;
      this.helloSeen = true;
      this.resolveReady();
      return true;
    }
    const id = Number(idText);
    const running = this.running.get(id);
    if (!running) return false;
    if (kind === "spawned") {
      running.spawned = true;
      running.listener.spawn(Number(a));
    } else if (kind === "failed") {
      this.running.delete(id);
      running.listener.error(
        Object.assign(new Error(`spawn ${running.program} ${a}`), { code: a, syscall: "spawn", path: running.program }),
      );
    } else if (kind === "exit") {
      this.running.delete(id);
      const out = running.stdout.end();
      if (out) running.listener.stdout(out);
      const err = running.stderr.end();
      if (err) running.listener.stderr(err);
      const status = Number(a);
      const signal = Number(b);
      running.listener.close(
        status >= 0 ? status : null,
        signal >= 0 ? ((signalNames.get(signal) as NodeJS.Signals | undefined) ?? "SIGKILL") : null,
      );
    } else {
      return false;
    }
    return true;
  }
}

import { spawn } from "node:child_process";
import { ProgressParser, type ProgressSample } from "./progress-parser.js";

export type FfmpegOutcome = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the AbortSignal stopped it. */
  aborted: boolean;
  /** The last lines ffmpeg wrote to stderr. */
  stderrTail: string[];
  elapsedMs: number;
};

export type RunFfmpegOptions = {
  ffmpegPath: string;
  args: readonly string[];
  signal?: AbortSignal;
  onSpawn?: (pid: number | undefined) => void;
  onProgress?: (sample: ProgressSample) => void;
  /** After SIGTERM, how long ffmpeg gets to finish before SIGKILL. */
  killGraceMs?: number;
  tailLines?: number;
};

/**
 * Runs ffmpeg without a shell and resolves when it exits, whatever the exit
 * status; callers decide what a failure means. Progress comes from
 * `-progress pipe:1` on stdout, the human log from stderr. An AbortSignal
 * stops it: SIGTERM (ffmpeg finalises and exits), then SIGKILL after the
 * grace period.
 */
export function runFfmpeg(options: RunFfmpegOptions): Promise<FfmpegOutcome> {
  const { signal, killGraceMs = 5000, tailLines = 100 } = options;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      resolve({ exitCode: null, signal: null, aborted: true, stderrTail: [], elapsedMs: 0 });
      return;
    }
    const child = spawn(options.ffmpegPath, options.args, { stdio: ["ignore", "pipe", "pipe"], shell: false });
    const tail = new LineTail(tailLines);
    const parser = new ProgressParser((sample) => options.onProgress?.(sample));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => parser.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => tail.push(chunk));

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), killGraceMs);
      killTimer.unref();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    child.once("spawn", () => options.onSpawn?.(child.pid));
    child.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.once("close", (exitCode, exitSignal) => {
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(killTimer);
      resolve({
        exitCode,
        signal: exitSignal,
        aborted,
        stderrTail: tail.lines(),
        elapsedMs: performance.now() - started,
      });
    });
  });
}

/** Keeps the last N complete lines of a stream. */
export class LineTail {
  private readonly kept: string[] = [];
  private partial = "";

  constructor(private readonly max: number) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.add(line);
  }

  lines(): string[] {
    if (this.partial) {
      this.add(this.partial);
      this.partial = "";
    }
    return [...this.kept];
  }

  private add(line: string): void {
    if (line.trim() === "") return;
    this.kept.push(line);
    if (this.kept.length > this.max) this.kept.shift();
  }
}

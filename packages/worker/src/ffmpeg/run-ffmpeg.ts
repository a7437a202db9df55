import { isWriteError } from "./failure-cause.js";
import { type ProcessStarter, startWithNode } from "./process-starter.js";
import { ProgressParser, type ProgressSample } from "./progress-parser.js";

export type FfmpegOutcome = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the AbortSignal stopped it. */
  aborted: boolean;
  /** True when it ran past timeoutMs and its process group was killed. */
  timedOut: boolean;
  /** The last lines ffmpeg wrote to stderr. */
  stderrTail: string[];
  /** Lines past the live limit that onStderrLine never saw: a "… omitted …" marker, then the tail. */
  unloggedTail: string[];
  /**
   * The first lines (at most 5) anywhere in stderr that report a failed
   * write of the output: ffmpeg 5.1 exits 0 when only its trailer could not
   * be written (a full disk), so the exit status alone does not tell.
   */
  writeErrors: string[];
  elapsedMs: number;
};

export type RunFfmpegOptions = {
  ffmpegPath: string;
  args: readonly string[];
  /**
   * Descriptors ffmpeg gets as its fd 3, 4, …: the input and the temporary
   * output the worker opened itself, named `file:/dev/fd/3` and
   * `file:/dev/fd/4` in the arguments (docs/adr/0020-media-files-by-descriptor.md).
   */
  fds?: readonly number[];
  signal?: AbortSignal;
  onSpawn?: (pid: number | undefined) => void;
  onProgress?: (sample: ProgressSample) => void;
  /** Called with each of the first `liveLines` stderr lines as ffmpeg writes them. */
  onStderrLine?: (line: string) => void;
  liveLines?: number;
  /** After SIGTERM, how long ffmpeg gets to finish before SIGKILL. */
  killGraceMs?: number;
  tailLines?: number;
  /** Wall-clock limit (JOB_TIMEOUT_SECONDS): past it the whole process group gets SIGKILL, no grace. */
  timeoutMs?: number;
  /** How ffmpeg is started: the worker's spawner (ADR 0040), or Node's spawn when absent. */
  start?: ProcessStarter;
};

/**
 * Runs ffmpeg without a shell and resolves when it exits, whatever the exit
 * status; callers decide what a failure means. Progress comes from
 * `-progress pipe:1` on stdout, the human log from stderr. An AbortSignal
 * stops it: SIGTERM (ffmpeg finalises and exits), then SIGKILL after the
 * grace period. ffmpeg leads its own process group, and signals go to the
 * group, so nothing it may have started outlives it; and it dies with the
 * worker even when the worker is killed outright (PR_SET_PDEATHSIG, set by
 * the ffmpeg spawner or by setpriv: see process-starter.ts).
 *
 * One function on purpose: the child, its abort, its deadline and its two
 * output streams share the state of one process's life, and every way it
 * ends must clear every timer and listener; split apart, that cleanup would
 * be spread over functions that each see half of it.
 */
export function runFfmpeg(options: RunFfmpegOptions): Promise<FfmpegOutcome> {
  const { signal, killGraceMs = 5000, tailLines = 100, liveLines = 100 } = options;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      resolve({
        exitCode: null,
        signal: null,
        aborted: true,
        timedOut: false,
        stderrTail: [],
        unloggedTail: [],
        writeErrors: [],
        elapsedMs: 0,
      });
      return;
    }
    const stderr = new StderrLog(liveLines, tailLines, options.onStderrLine);
    const writeErrors: string[] = [];
    const lines = new LineSplitter((line) => {
      stderr.add(line);
      if (writeErrors.length < 5 && isWriteError(line)) writeErrors.push(line);
    });
    const parser = new ProgressParser((sample) => options.onProgress?.(sample));

    let aborted = false;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.signalGroup("SIGTERM");
      killTimer = setTimeout(() => child.signalGroup("SIGKILL"), killGraceMs);
      killTimer.unref();
    };

    const child = (options.start ?? startWithNode)(options.ffmpegPath, options.args, options.fds ?? [], {
      spawn: (pid) => options.onSpawn?.(pid),
      stdout: (chunk) => parser.push(chunk),
      stderr: (chunk) => lines.push(chunk),
      error: (error) => {
        signal?.removeEventListener("abort", onAbort);
        clearTimeout(killTimer);
        clearTimeout(deadline);
        reject(error);
      },
      close: (exitCode, exitSignal) => {
        signal?.removeEventListener("abort", onAbort);
        clearTimeout(killTimer);
        clearTimeout(deadline);
        lines.flush();
        resolve({
          exitCode,
          signal: exitSignal,
          aborted,
          timedOut,
          stderrTail: stderr.tail(),
          unloggedTail: stderr.unlogged(),
          writeErrors,
          elapsedMs: performance.now() - started,
        });
      },
    });
    // Only once it is started: a start that throws (a NUL in an argument) leaves nothing armed.
    signal?.addEventListener("abort", onAbort, { once: true });
    // A hostile input can make ffmpeg ignore SIGTERM while it grinds; the wall-clock limit does not ask.
    if (options.timeoutMs !== undefined) {
      deadline = setTimeout(() => {
        timedOut = true;
        child.signalGroup("SIGKILL");
      }, options.timeoutMs);
    }
  });
}

/** Splits a text stream into non-empty lines (\n, \r\n or \r), across chunk boundaries. */
export class LineSplitter {
  private partial = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) if (line.trim() !== "") this.onLine(line);
  }

  flush(): void {
    if (this.partial.trim() !== "") this.onLine(this.partial);
    this.partial = "";
  }
}

/**
 * ffmpeg's stderr for the job log: the first lines go out live (the header,
 * the stream mapping, early warnings), then only a bounded tail is kept, so
 * a file that makes ffmpeg print a warning per frame cannot flood Redis.
 */
export class StderrLog {
  private liveCount = 0;
  private afterLive: string[] = [];
  private dropped = 0;
  private last: string[] = [];

  constructor(
    private readonly liveMax: number,
    private readonly tailMax: number,
    private readonly onLive?: (line: string) => void,
  ) {}

  add(line: string): void {
    this.last.push(line);
    if (this.last.length > this.tailMax) this.last.shift();
    if (this.liveCount < this.liveMax) {
      this.liveCount += 1;
      this.onLive?.(line);
      return;
    }
    this.afterLive.push(line);
    if (this.afterLive.length > this.tailMax) {
      this.afterLive.shift();
      this.dropped += 1;
    }
  }

  tail(): string[] {
    return [...this.last];
  }

  unlogged(): string[] {
    return this.dropped > 0
      ? [`… ${this.dropped} lines of ffmpeg output omitted …`, ...this.afterLive]
      : [...this.afterLive];
  }
}

import { execFile } from "node:child_process";

export type BriefRun = { ok: boolean; stdout: string; stderr: string; elapsedMs: number };

/** Runs a binary without a shell and collects its output; a failure to start reads as not ok. */
export function runBriefly(binary: string, args: string[], timeoutMs: number): Promise<BriefRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/** The last lines of a failed tool's stderr, for the start-up log. */
export function whyFailed(run: BriefRun, fallback: string): string {
  return run.stderr.trim().split("\n").slice(-2).join(" ") || fallback;
}

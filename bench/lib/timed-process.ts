import { spawn } from "node:child_process";
import { openSync } from "node:fs";

export type TimedRun = { ms: number; stdout: string };

/**
 * Runs a command without a shell and times it from spawn to exit; rejects on
 * a non-zero exit (with its stderr) or when `signal` aborts (the child is
 * killed). `stdoutFile` sends stdout to a file instead of collecting it, for
 * `cat file > copy`.
 */
export function timedRun(
  command: string,
  args: readonly string[],
  options: { signal?: AbortSignal; stdoutFile?: string } = {},
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const stdout = options.stdoutFile ? openSync(options.stdoutFile, "w") : "pipe";
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", stdout, "pipe"], signal: options.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0) return resolve({ ms, stdout: Buffer.concat(out).toString("utf8") });
      const why = signal ? `killed by ${signal}` : `exit status ${code}`;
      reject(new Error(`${command} ${args.join(" ")}: ${why}: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
  });
}

/** Writes dirty pages to disk between timed runs, so one run's writes do not slow the next one's. */
export async function syncDisks(): Promise<void> {
  await timedRun("sync", []);
}

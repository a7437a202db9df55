import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export type LoadResult = {
  requestsPerSecond: number;
  /** Requests wrk completed in the run. */
  requests: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
};

/**
 * Drives one URL with wrk (a C load generator, so the load costs little CPU
 * beside the server being measured) and reads its summary. Needs `wrk` on
 * PATH: apt-get install wrk.
 */
export async function loadWith(
  url: string,
  options: { connections: number; seconds: number; threads?: number },
): Promise<LoadResult> {
  const args = [`-t${options.threads ?? 2}`, `-c${options.connections}`, `-d${options.seconds}s`, "--latency", url];
  let stdout: string;
  try {
    ({ stdout } = await run("wrk", args, { timeout: (options.seconds + 30) * 1000 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("wrk is missing: the HTTP measurements need it (apt-get install wrk)");
    }
    throw error;
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  if (!rps) throw new Error(`could not read wrk's summary:\n${stdout}`);
  const requests = /(\d+) requests in /.exec(stdout)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requestsPerSecond: Number(rps),
    requests: Number(requests ?? 0),
    p50Ms: latencyMs(stdout, "50%"),
    p99Ms: latencyMs(stdout, "99%"),
    errors: Number(errors ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

/** "    50%  3.21ms" → 3.21 (wrk prints us, ms or s). */
function latencyMs(stdout: string, quantile: string): number | null {
  const match = new RegExp(`^\\s+${quantile}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(stdout);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

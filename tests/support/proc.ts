import { readdirSync, readFileSync } from "node:fs";

/**
 * Command lines (argv joined by spaces) of the live processes, other than
 * this one, whose argv contains every one of `parts`: Linux /proc, no ps.
 */
export function commandLinesMentioning(...parts: string[]): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // A zombie's cmdline is empty: it runs no more.
    if (cmdline && parts.every((part) => cmdline.includes(part))) {
      found.set(Number(entry), cmdline.split("\0").join(" ").trim());
    }
  }
  return found;
}

export function pidsWithCommandLine(...parts: string[]): number[] {
  return [...commandLinesMentioning(...parts).keys()];
}

/** ffmpeg processes converting the given job (its id is in the temporary output's name). */
export function ffmpegPidsOfJob(jobId: string): number[] {
  return pidsWithCommandLine("ffmpeg", "-progress", jobId);
}

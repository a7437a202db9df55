import { readdirSync, readFileSync } from "node:fs";

/** Pids of live processes whose command line contains every one of `parts` (Linux /proc). */
export function pidsWithCommandLine(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline && parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
  }
  return pids;
}

/** ffmpeg processes converting the given job (its id is in the temporary output's name). */
export function ffmpegPidsOfJob(jobId: string): number[] {
  return pidsWithCommandLine("ffmpeg", "-progress", jobId);
}

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

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

/** What a process holds open: the targets of its /proc/<pid>/fd links (none when it is gone or not ours to read). */
export function openFilesOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * ffmpeg processes converting the given job. ffmpeg gets its files as
 * descriptors (/dev/fd/3 and 4, ADR 0020), so its command line names no
 * path; the temporary output it holds open carries the job id.
 */
export function ffmpegPidsOfJob(jobId: string): number[] {
  return pidsWithCommandLine("ffmpeg", "-progress").filter((pid) =>
    openFilesOf(pid).some((file) => file.includes(jobId)),
  );
}

/** Live processes, other than this one, that name `dir` on their command line or hold a file under it open. */
export function pidsUsing(dir: string): number[] {
  const pids = new Set(pidsWithCommandLine(dir));
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (openFilesOf(Number(entry)).some((file) => file.startsWith(`${dir}/`))) pids.add(Number(entry));
  }
  return [...pids];
}

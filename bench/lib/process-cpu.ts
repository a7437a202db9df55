import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on Linux (USER_HZ) everywhere this runs. */
const TICKS_PER_SECOND = 100;

export type CpuSeconds = {
  /** The process's own user + system time. */
  self: number;
  /** User + system time of the children it has waited for (ffmpeg and ffprobe for a worker). */
  children: number;
};

/** CPU time of a process and of its reaped children, from /proc (Linux); "self" for this process. */
export function cpuSeconds(pid: number | "self"): CpuSeconds {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return {
    self: (field(14) + field(15)) / TICKS_PER_SECOND,
    children: (field(16) + field(17)) / TICKS_PER_SECOND,
  };
}

/**
 * As cpuSeconds, with the CPU of the children still running added to
 * `children`: a worker's probe servers (ADR 0033) live as long as it does,
 * so their time (and that of the probe children they reaped) would otherwise
 * never reach the worker's reaped-children count.
 */
export function cpuSecondsWithLiveChildren(pid: number): CpuSeconds {
  const own = cpuSeconds(pid);
  let live = 0;
  for (const child of liveChildren(pid)) {
    try {
      const used = cpuSeconds(child);
      live += used.self + used.children;
    } catch {
      // Ended between the listing and the reading: its time is in `own.children` next time.
    }
  }
  return { self: own.self, children: own.children + live };
}

/** The processes whose parent is pid, found by their stat's ppid (not every kernel has /proc/<pid>/task/<tid>/children). */
function liveChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone since the listing.
    }
  }
  return children;
}

/** What a process used between two readings. */
export function cpuDelta(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  return { self: after.self - before.self, children: after.children - before.children };
}

import { readFileSync } from "node:fs";

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

/** What a process used between two readings. */
export function cpuDelta(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  return { self: after.self - before.self, children: after.children - before.children };
}

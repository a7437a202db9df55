/**
 * A job's log in BullMQ holds entries; a worker writes the lines that arrive
 * together (one chunk of ffmpeg's stderr, say) as one entry, joined by line
 * breaks, so that a job logs with a few Redis calls instead of one per line
 * (docs/adr/0032-hot-paths-measured.md, "Third pass"). Readers get lines back
 * with this; an entry of an older worker is a single line and stays one.
 */
export function jobLogLines(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => entry.split("\n"));
}

/** Joins lines into one log entry; a line never holds a break of its own (ffmpeg's lines are split on them). */
export function jobLogEntry(lines: readonly string[]): string {
  return lines.map((line) => line.replaceAll(/\r?\n/g, " ")).join("\n");
}

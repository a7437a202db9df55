import { fastStartArgs, RUN_ARGS } from "@converter/shared/ffmpeg";
import type { Container } from "@converter/shared/jobs";

/** What the join writes, and from which files; `muxer` is MUXERS[container]. */
export type JoinPlan = {
  /** The concat list (one `file '…'` line per video segment, in order). */
  listPath: string;
  /** The audio child's file; null when the job keeps no audio. */
  audioPath: string | null;
  outputPath: string;
  container: Container;
  muxer: string;
};

/**
 * ffmpeg's arguments for the join (docs/adr/0026-split-and-parallel-encoding.md):
 * the video segments end to end through the concat demuxer, the audio from
 * its own file, both copied (no re-encode, so no seam and no quality lost),
 * into the job's container. Every file is the worker's own, opened below
 * the media root; only the `file` protocol is allowed.
 */
export function buildJoinArgs(plan: JoinPlan): string[] {
  const args: string[] = [...RUN_ARGS];
  args.push("-protocol_whitelist", "file", "-f", "concat", "-safe", "0", "-i", `file:${plan.listPath}`);
  if (plan.audioPath !== null) args.push("-protocol_whitelist", "file", "-i", `file:${plan.audioPath}`);
  args.push("-map", "0:v:0");
  if (plan.audioPath !== null) args.push("-map", "1:a:0");
  args.push("-c", "copy", "-map_metadata", "-1");
  args.push(...fastStartArgs(plan.container));
  args.push("-f", plan.muxer, `file:${plan.outputPath}`);
  return args;
}

/** The concat demuxer's list: one quoted path per line (names are the worker's own: no quote to escape). */
export function concatList(paths: readonly string[]): string {
  return `ffconcat version 1.0\n${paths.map((p) => `file '${p.replaceAll("'", "'\\''")}'`).join("\n")}\n`;
}

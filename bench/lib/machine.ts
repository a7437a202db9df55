import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";

export type Machine = {
  cores: number;
  cpuModel: string | null;
  node: string;
  /** ffmpeg's version as `ffmpeg -version` prints it, e.g. "5.1.6-0+deb12u1". */
  ffmpeg: string;
};

/** What the figures depend on, for the report's first line. Throws when ffmpeg cannot run. */
export async function describeMachine(ffmpegPath: string): Promise<Machine> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(ffmpegPath, ["-hide_banner", "-version"], { timeout: 10_000 }));
  } catch (error) {
    throw new Error(`${ffmpegPath} cannot be run (install ffmpeg or set FFMPEG_PATH): ${(error as Error).message}`);
  }
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? null,
    node: process.version,
    ffmpeg: /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? "unknown",
  };
}

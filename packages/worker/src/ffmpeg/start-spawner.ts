import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FfmpegSpawnerMode } from "@converter/shared/config/worker";
import type { Logger } from "@converter/shared/logger";
import { type ProcessStarter, startWithNode } from "./process-starter.js";
import { SpawnerProcess } from "./spawner-process.js";

/** Where `native/build.sh` puts the binary, from src/ and dist/ alike. */
export const FFMPEG_SPAWNER_BINARY = fileURLToPath(new URL("../../native/build/ffmpeg-spawner", import.meta.url));

export type Spawning = {
  start: ProcessStarter;
  /** "ffmpeg-spawner", or "node" and why the spawner is not used. */
  using: string;
  close(): void;
};

/**
 * How the worker starts ffmpeg (ADR 0040): through the ffmpeg spawner when
 * FFMPEG_SPAWNER=auto and its binary was built and runs; with Node's spawn
 * otherwise. A spawner that dies is replaced at the next start (what it ran
 * died with it and is retried as any killed ffmpeg is); one that dies before
 * it says hello cannot run here, and Node's spawn takes over for good.
 */
export async function startSpawning(
  config: { ffmpegSpawner: FfmpegSpawnerMode },
  log: Logger,
  binary = FFMPEG_SPAWNER_BINARY,
): Promise<Spawning> {
  const withNode = (why: string): Spawning => ({ start: startWithNode, using: `node (${why})`, close() {} });
  if (config.ffmpegSpawner === "off") return withNode("FFMPEG_SPAWNER=off");
  if (!existsSync(binary)) return withNode("ffmpeg-spawner was not built: no C compiler");
  let current: SpawnerProcess;
  try {
    current = await SpawnerProcess.start(binary);
  } catch (error) {
    return withNode(`ffmpeg-spawner cannot run: ${(error as Error).message}`);
  }
  let useNode = false;
  const start: ProcessStarter = (program, args, fds, listener) => {
    if (!useNode && !current.alive) {
      if (current.started) {
        log.warn({ err: current.deathReason?.message }, "ffmpeg-spawner died; a new one starts ffmpeg from now on");
        current = SpawnerProcess.launch(binary);
      } else {
        log.error(
          { err: current.deathReason?.message },
          "ffmpeg-spawner cannot run; ffmpeg is started by Node from now on",
        );
        useNode = true;
      }
    }
    return useNode ? startWithNode(program, args, fds, listener) : current.start(program, args, fds, listener);
  };
  return { start, using: "ffmpeg-spawner", close: () => current.close() };
}

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ProbeServerMode } from "@converter/shared/config/worker";
import type { Logger } from "@converter/shared/logger";
import { type MediaProber, probeMedia } from "@converter/shared/probe";
import { createProbeServerPool } from "./probe-server-pool.js";
import { ProbeServerProcess, type ServerVersions } from "./probe-server-process.js";

/** Where `native/build.sh` puts the binary, from src/ and dist/ alike. */
export const PROBE_SERVER_BINARY = fileURLToPath(new URL("../../native/build/probe-server", import.meta.url));

export type Prober = {
  probe: MediaProber;
  /** "probe-server", or "ffprobe" and why the server is not used. */
  using: string;
  close(): void;
};

/**
 * The worker's prober (ADR 0033): the probe server when PROBE_SERVER=auto,
 * its binary was built, and it links the very libraries FFPROBE_PATH's
 * ffprobe reports in `ffprobeVersion` (its `-version`, run once at start by
 * measureCapabilities), so both describe a file the same way; ffprobe per
 * file otherwise.
 */
export async function startProber(
  config: { probeServer: ProbeServerMode; ffprobePath: string; concurrency: number },
  ffprobeVersion: string,
  log: Logger,
  binary = PROBE_SERVER_BINARY,
): Promise<Prober> {
  const ffprobe: MediaProber = (source) => probeMedia(config.ffprobePath, source);
  const perFile = (why: string): Prober => ({ probe: ffprobe, using: `ffprobe (${why})`, close() {} });
  if (config.probeServer === "off") return perFile("PROBE_SERVER=off");
  if (!existsSync(binary)) return perFile("probe-server was not built: FFmpeg's development files were missing");
  let first: Awaited<ReturnType<typeof ProbeServerProcess.start>>;
  try {
    first = await ProbeServerProcess.start(binary);
  } catch (error) {
    return perFile(`probe-server cannot run: ${(error as Error).message}`);
  }
  const mismatch = librariesDiffer(first.versions, ffprobeVersion);
  if (mismatch) {
    first.server.close();
    return perFile(`probe-server links other libraries than ${config.ffprobePath}: ${mismatch}`);
  }
  const pool = createProbeServerPool({
    startServer: async () => (await ProbeServerProcess.start(binary)).server,
    // One per job this worker runs at once, and one for a segmented job's join or a reconcile.
    maxServers: config.concurrency + 1,
    fallback: ffprobe,
    log,
    started: [first.server],
  });
  return { probe: pool.probe, using: "probe-server", close: pool.close };
}

/** Which of libavformat, libavcodec and libavutil differ between the server and `ffprobe -version`; undefined when none. */
export function librariesDiffer(server: ServerVersions, ffprobeVersion: string): string | undefined {
  const differ: string[] = [];
  for (const library of ["avformat", "avcodec", "avutil"] as const) {
    const running = runningVersion(library, ffprobeVersion);
    if (running === server[library]) continue;
    differ.push(`lib${library} ${versionText(server[library])} against ${running ? versionText(running) : "none"}`);
  }
  return differ.length > 0 ? differ.join(", ") : undefined;
}

/** "libavformat    59. 27.100 / 59. 27.100" (built against / running with): the second, packed as avformat_version() packs it. */
function runningVersion(library: string, ffprobeVersion: string): number | undefined {
  const line = new RegExp(`^lib${library}\\s+[\\d. ]+/\\s*(\\d+)\\.\\s*(\\d+)\\.\\s*(\\d+)`, "m");
  const match = line.exec(ffprobeVersion);
  return match ? (Number(match[1]) << 16) | (Number(match[2]) << 8) | Number(match[3]) : undefined;
}

function versionText(version: number): string {
  return `${version >> 16}.${(version >> 8) & 0xff}.${version & 0xff}`;
}

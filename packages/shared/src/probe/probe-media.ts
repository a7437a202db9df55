import { execFile } from "node:child_process";
import { inputSafetyArgs } from "./input-safety.js";
import { type MediaInfo, ProbeJson, toMediaInfo } from "./media-info.js";

export type ProbeOutcome = { ok: true; info: MediaInfo } | { ok: false; reason: string };

/** ffprobe only reads headers and a few packets; one that takes longer than this is stuck on a hostile file. */
export const PROBE_TIMEOUT_MS = 30_000;

/**
 * Reads container and stream facts with ffprobe. A file ffprobe cannot parse
 * is an expected outcome (bad media), not an exception. Like ffmpeg, it may
 * open only a local file in an allowed container (inputSafetyArgs).
 */
export function probeMedia(ffprobePath: string, file: string): Promise<ProbeOutcome> {
  const args = [
    "-v",
    "error",
    ...inputSafetyArgs(),
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    `file:${file}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return reject(error);
      if (error?.killed) {
        return resolve({ ok: false, reason: `ffprobe took longer than ${PROBE_TIMEOUT_MS / 1000} s and was stopped` });
      }
      if (error) {
        const why = stderr.trim().split("\n").at(-1) || error.message;
        return resolve({ ok: false, reason: `ffprobe could not read the file: ${why}` });
      }
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        return resolve({ ok: false, reason: "ffprobe printed no readable description" });
      }
      const parsed = ProbeJson.safeParse(json);
      if (!parsed.success) return resolve({ ok: false, reason: "ffprobe described the file in an unexpected shape" });
      resolve({ ok: true, info: toMediaInfo(parsed.data) });
    });
  });
}

import { spawn } from "node:child_process";
import { inputSafetyArgs } from "./input-safety.js";
import { type MediaInfo, ProbeJson, toMediaInfo } from "./media-info.js";

export type ProbeOutcome = { ok: true; info: MediaInfo } | { ok: false; reason: string };

/** Some way of probing a file: ffprobe per file (probeMedia), or the worker's probe server (ADR 0033). */
export type MediaProber = (source: ProbeSource, how?: ProbeHow) => Promise<ProbeOutcome>;

/** What a prober may know of the file besides where it is. */
export type ProbeHow = {
  /**
   * Every stream of the file came out of this service's own encoders (no
   * stream was copied from the client's input), so no byte of a client's
   * bitstream is in it: the probe server may probe it in its own process
   * instead of a child (ADR 0039). ffprobe per file ignores it.
   */
  ownEncode?: boolean;
};

/** ffprobe only reads headers and a few packets; one that takes longer than this is stuck on a hostile file. */
export const PROBE_TIMEOUT_MS = 30_000;
const MAX_PROBE_OUTPUT = 16 * 1024 * 1024;

/** A file ffprobe reads: a path, or a descriptor the worker opened (ffprobe gets it as its fd 3). */
export type ProbeSource = string | { fd: number };

/** How ffprobe names a file it was given by descriptor, in its messages too. */
export const PROBED_FD_PATH = "/dev/fd/3";

/**
 * Reads container and stream facts with ffprobe. A file ffprobe cannot parse
 * is an expected outcome (bad media), not an exception. Like ffmpeg, it may
 * open only a local file in an allowed container (inputSafetyArgs), and a
 * media file is handed over as a descriptor, never by a path someone could
 * swap (docs/adr/0020-media-files-by-descriptor.md; the API probes by path, resolved under the media root).
 */
export async function probeMedia(ffprobePath: string, source: ProbeSource): Promise<ProbeOutcome> {
  const file = typeof source === "string" ? source : PROBED_FD_PATH;
  const args = ["-v", "error", ...inputSafetyArgs(), "-print_format", "json", "-show_format", "-show_streams"];
  const run = await runProbe(ffprobePath, [...args, `file:${file}`], typeof source === "string" ? [] : [source.fd]);
  if (run.signal === "SIGKILL" && run.timedOut) return PROBE_TIMED_OUT;
  if (run.exitCode !== 0) {
    return unreadable(run.stderr.trim().split("\n").at(-1) || `ffprobe exited with ${run.exitCode ?? run.signal}`);
  }
  return outcomeOfJson(run.stdout);
}

/** ffprobe's timeout, worded the same whichever prober stopped it. */
export const PROBE_TIMED_OUT: ProbeOutcome = {
  ok: false,
  reason: `ffprobe took longer than ${PROBE_TIMEOUT_MS / 1000} s and was stopped`,
};

/** A file ffprobe could not read, with the last line it printed (or why it printed none). */
export function unreadable(why: string): ProbeOutcome {
  return { ok: false, reason: `ffprobe could not read the file: ${why}` };
}

/** What `-print_format json -show_format -show_streams` printed, checked and read into a MediaInfo. */
export function outcomeOfJson(text: string): ProbeOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "ffprobe printed no readable description" };
  }
  const parsed = ProbeJson.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "ffprobe described the file in an unexpected shape" };
  return { ok: true, info: toMediaInfo(parsed.data) };
}

type ProbeRun = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
};

/** ffprobe with a time limit and bounded output; rejects only when it cannot be started (ENOENT). */
export function runProbe(ffprobePath: string, args: string[], fds: number[]): Promise<ProbeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobePath, args, { stdio: ["ignore", "pipe", "pipe", ...fds] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, PROBE_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.length > MAX_PROBE_OUTPUT) child.kill("SIGKILL");
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-64 * 1024);
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr, timedOut });
    });
  });
}

import { spawn } from "node:child_process";
import { inputSafetyArgs } from "@converter/shared/ffmpeg";
import { z } from "zod";

const ProbeJson = z.object({
  streams: z
    .array(
      z.looseObject({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        duration: z.string().optional(),
        pix_fmt: z.string().optional(),
        profile: z.string().optional(),
        disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
      }),
    )
    .default([]),
  format: z
    .looseObject({ duration: z.string().optional(), format_name: z.string().optional(), size: z.string().optional() })
    .optional(),
});

export type MediaInfo = {
  formatName: string | null;
  durationSeconds: number | null;
  sizeBytes: number | null;
  video: {
    codec: string | null;
    width: number | null;
    height: number | null;
    /** Pixel format and profile, which decide whether NVDEC can decode it (e.g. yuv422p10le, "High 4:2:2"). */
    pixFmt?: string | null;
    profile?: string | null;
    /** The stream's own length where the container keeps one (MP4 does, Matroska does not). */
    durationSeconds: number | null;
  } | null;
  audio: { codec: string | null; durationSeconds: number | null } | null;
  streamCount: number;
  /** Sizes of every video stream, cover art included: the limits apply to what any decoder might be asked to open. */
  frameSizes: { width: number; height: number }[];
};

export type ProbeOutcome = { ok: true; info: MediaInfo } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 30_000;
const MAX_PROBE_OUTPUT = 16 * 1024 * 1024;

/** A file ffprobe reads: a path, or a descriptor the worker opened (ffprobe gets it as its fd 3). */
export type ProbeSource = string | { fd: number };

/**
 * Reads container and stream facts with ffprobe. A file ffprobe cannot parse
 * is an expected outcome (bad media), not an exception. Like ffmpeg, it may
 * open only a local file in an allowed container (inputSafetyArgs), and a
 * media file is handed over as a descriptor, never by a path someone could
 * swap (docs/adr/0020-media-files-by-descriptor.md).
 */
export async function probeMedia(ffprobePath: string, source: ProbeSource): Promise<ProbeOutcome> {
  const file = typeof source === "string" ? source : "/dev/fd/3";
  const args = ["-v", "error", ...inputSafetyArgs(), "-print_format", "json", "-show_format", "-show_streams"];
  const run = await runProbe(ffprobePath, [...args, `file:${file}`], typeof source === "string" ? [] : [source.fd]);
  if (run.exitCode !== 0) {
    const why = run.stderr.trim().split("\n").at(-1) || `ffprobe exited with ${run.exitCode ?? run.signal}`;
    return { ok: false, reason: `ffprobe could not read the file: ${why}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    return { ok: false, reason: "ffprobe printed no readable description" };
  }
  const parsed = ProbeJson.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "ffprobe described the file in an unexpected shape" };
  return { ok: true, info: toMediaInfo(parsed.data) };
}

type ProbeRun = { exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** ffprobe with a time limit and bounded output; rejects only when it cannot be started (ENOENT). */
function runProbe(ffprobePath: string, args: string[], fds: number[]): Promise<ProbeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobePath, args, { stdio: ["ignore", "pipe", "pipe", ...fds] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_TIMEOUT_MS);
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
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

function positive(text: string | undefined): number | null {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function toMediaInfo(probe: z.infer<typeof ProbeJson>): MediaInfo {
  const video = probe.streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  const audio = probe.streams.find((s) => s.codec_type === "audio");
  const streamDurations = probe.streams.map((s) => positive(s.duration)).filter((d): d is number => d !== null);
  return {
    formatName: probe.format?.format_name ?? null,
    durationSeconds: positive(probe.format?.duration) ?? (streamDurations.length ? Math.max(...streamDurations) : null),
    sizeBytes: positive(probe.format?.size),
    video: video
      ? {
          codec: video.codec_name ?? null,
          width: video.width ?? null,
          height: video.height ?? null,
          pixFmt: video.pix_fmt ?? null,
          profile: video.profile ?? null,
          durationSeconds: positive(video.duration),
        }
      : null,
    audio: audio ? { codec: audio.codec_name ?? null, durationSeconds: positive(audio.duration) } : null,
    streamCount: probe.streams.length,
    frameSizes: probe.streams
      .filter((s) => s.codec_type === "video")
      .map((s) => ({ width: s.width ?? 0, height: s.height ?? 0 })),
  };
}

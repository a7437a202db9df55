import { execFile } from "node:child_process";
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
  } | null;
  audio: { codec: string | null } | null;
  streamCount: number;
  /** Sizes of every video stream, cover art included: the limits apply to what any decoder might be asked to open. */
  frameSizes: { width: number; height: number }[];
};

export type ProbeOutcome = { ok: true; info: MediaInfo } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 30_000;

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
        }
      : null,
    audio: audio ? { codec: audio.codec_name ?? null } : null,
    streamCount: probe.streams.length,
    frameSizes: probe.streams
      .filter((s) => s.codec_type === "video")
      .map((s) => ({ width: s.width ?? 0, height: s.height ?? 0 })),
  };
}

import { z } from "zod";
import { AUDIO_CODECS, CONTAINERS, type EncodedVideoCodec, HARDWARE_MODES, VIDEO_CODECS } from "./media-words.js";

/** "4M", "128k", "2500000", "0.5M": digits, an optional fraction, an optional k/M; more than zero. */
export const BITRATE_PATTERN = /^\d{1,9}(\.\d{1,3})?[kKmM]?$/;

export const Bitrate = z
  .string()
  .regex(BITRATE_PATTERN, "must look like 128k, 4M or 2500000 (digits, optional k or M, no spaces)")
  .refine((value) => Number.parseFloat(value) > 0, "must be more than zero");

const SEVEN_DAYS_SECONDS = 86_400 * 7;

/**
 * The one definition of every conversion option and its range. A request's
 * overrides (ConvertOptions), a job's resolved options (ResolvedOptions) and
 * the preset catalogue are all built from these, so a range is written once.
 */
export const OPTION_FIELDS = {
  container: z.enum(CONTAINERS),
  video_codec: z.enum(VIDEO_CODECS),
  crf: z.number().int().min(0).max(63),
  video_bitrate: Bitrate,
  width: z.number().int().min(16).max(7680),
  height: z.number().int().min(16).max(4320),
  fps: z.number().min(1).max(240),
  audio_codec: z.enum(AUDIO_CODECS),
  audio_bitrate: Bitrate,
  start: z.number().min(0).max(SEVEN_DAYS_SECONDS),
  duration: z.number().gt(0).max(SEVEN_DAYS_SECONDS),
  hardware: z.enum(HARDWARE_MODES),
};

/** CRF scales differ per codec: x264/x265 stop at 51, AV1 and VP9 at 63. */
export const MAX_CRF: Record<EncodedVideoCodec, number> = { h264: 51, hevc: 51, av1: 63, vp9: 63 };

/**
 * The quality target when a job names neither crf nor a bitrate: each
 * encoder's own default, which is what the presets use too.
 */
export const DEFAULT_CRF: Record<EncodedVideoCodec, number> = { h264: 23, hevc: 28, av1: 35, vp9: 33 };

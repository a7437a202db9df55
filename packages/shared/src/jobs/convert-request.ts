import { z } from "zod";
import { AUDIO_CODECS, CONTAINERS, JOB_HARDWARE, VIDEO_CODECS } from "./media-words.js";

/** "4M", "128k", "2500000", "0.5M": digits, an optional fraction, an optional k/M; more than zero. */
export const BITRATE_PATTERN = /^\d{1,9}(\.\d{1,3})?[kKmM]?$/;

export const Bitrate = z
  .string()
  .regex(BITRATE_PATTERN, "must look like 128k, 4M or 2500000 (digits, optional k or M, no spaces)")
  .refine((value) => Number.parseFloat(value) > 0, "must be more than zero");

/**
 * Overrides of a preset, field by field. Every field is optional; `null` is
 * not accepted (leave the field out instead) so a client cannot confuse
 * "unset" with "remove".
 */
export const ConvertOptions = z
  .object({
    container: z.enum(CONTAINERS),
    video_codec: z.enum(VIDEO_CODECS),
    crf: z.number().int().min(0).max(63),
    video_bitrate: Bitrate,
    width: z.number().int().min(16).max(7680),
    height: z.number().int().min(16).max(4320),
    fps: z.number().min(1).max(240),
    audio_codec: z.enum(AUDIO_CODECS),
    audio_bitrate: Bitrate,
    start: z
      .number()
      .min(0)
      .max(86_400 * 7),
    duration: z
      .number()
      .gt(0)
      .max(86_400 * 7),
    hardware: z.enum(JOB_HARDWARE),
  })
  .partial()
  .strict()
  .meta({ id: "ConvertOptions" });
export type ConvertOptions = z.infer<typeof ConvertOptions>;

/** A media path as the client writes it: relative to MEDIA_ROOT. Checked further by resolveMediaPath. */
const mediaPath = z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters");

export const ConvertRequest = z
  .object({
    input: mediaPath,
    output: mediaPath.optional(),
    preset: z.string().min(1).max(64).optional(),
    options: ConvertOptions.optional(),
    overwrite: z.boolean().optional(),
    priority: z.number().int().min(1).max(10).optional(),
    webhook_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .meta({
        description:
          "http/https URL that receives a POST with the job JSON when the job ends (completed, failed, cancelled), " +
          'signed in X-Converter-Signature: "t=<unix>,v1=<hex HMAC-SHA256 of t.body>" with the server\'s ' +
          "WEBHOOK_SECRET. Retried with exponential backoff; redirects are not followed; delivery state is in the " +
          "job's `webhook`. Refused (422) when the server has no WEBHOOK_SECRET, or when the host does not resolve " +
          "or is a loopback, private, link-local or metadata address (unless the server sets WEBHOOK_ALLOW_PRIVATE).",
        example: "https://hooks.example.com/converter",
      })
      .optional(),
  })
  .strict()
  .meta({ id: "ConvertRequest" });
export type ConvertRequest = z.infer<typeof ConvertRequest>;

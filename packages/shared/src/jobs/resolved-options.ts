import { z } from "zod";
import { Bitrate } from "./convert-request.js";
import { AUDIO_CODECS, CONTAINERS, JOB_HARDWARE, VIDEO_CODECS } from "./media-words.js";

/**
 * The fully resolved options of a job: preset merged with overrides and
 * checked for consistency. This is what travels in the queue payload, what
 * the job shows as `options`, and the only input of the ffmpeg argument
 * builder.
 */
export const ResolvedOptions = z
  .object({
    container: z.enum(CONTAINERS),
    video_codec: z.enum(VIDEO_CODECS),
    crf: z.number().int().min(0).max(63).nullable(),
    video_bitrate: Bitrate.nullable(),
    width: z.number().int().min(16).max(7680).nullable(),
    height: z.number().int().min(16).max(4320).nullable(),
    fps: z.number().min(1).max(240).nullable(),
    audio_codec: z.enum(AUDIO_CODECS),
    audio_bitrate: Bitrate.nullable(),
    start: z.number().min(0).nullable(),
    duration: z.number().gt(0).nullable(),
    hardware: z.enum(JOB_HARDWARE),
  })
  .strict()
  .meta({ id: "ResolvedOptions" });
export type ResolvedOptions = z.infer<typeof ResolvedOptions>;

import { z } from "zod";
import { OPTION_FIELDS } from "./option-fields.js";

const F = OPTION_FIELDS;

/**
 * The fully resolved options of a job: preset merged with overrides and
 * checked for consistency. This is what travels in the queue payload, what
 * the job shows as `options`, and the only input of the ffmpeg argument
 * builder. A field the job does not use is null.
 */
export const ResolvedOptions = z
  .object({
    container: F.container,
    video_codec: F.video_codec,
    crf: F.crf.nullable(),
    video_bitrate: F.video_bitrate.nullable(),
    width: F.width.nullable(),
    height: F.height.nullable(),
    fps: F.fps.nullable(),
    audio_codec: F.audio_codec,
    audio_bitrate: F.audio_bitrate.nullable(),
    start: F.start.nullable(),
    duration: F.duration.nullable(),
    hardware: F.hardware,
  })
  .strict()
  .meta({ id: "ResolvedOptions" });
export type ResolvedOptions = z.infer<typeof ResolvedOptions>;

import { z } from "zod";
import { MediaPathField } from "../jobs/convert-request.js";

export const ProbeRequest = z.object({ input: MediaPathField }).strict().meta({ id: "ProbeRequest" });
export type ProbeRequest = z.infer<typeof ProbeRequest>;

/** One stream of a probed file; a field that does not apply to the stream's type (or that ffprobe did not give) is null. */
export const MediaStream = z
  .object({
    index: z.number().int(),
    type: z.string().meta({ description: "video, audio, subtitle, data or attachment" }),
    codec: z.string().nullable().meta({ example: "h264" }),
    profile: z.string().nullable().meta({ example: "High" }),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    frame_rate: z.number().nullable().meta({ description: "Average frames per second" }),
    pix_fmt: z.string().nullable().meta({ example: "yuv420p" }),
    bit_depth: z.number().int().nullable().meta({ description: "Bits per sample of a video stream" }),
    channels: z.number().int().nullable(),
    sample_rate: z.number().int().nullable(),
    bit_rate: z.number().int().nullable().meta({ description: "Bits per second, where the container records it" }),
    duration_seconds: z.number().nullable(),
    attached_pic: z.boolean().meta({ description: "Cover art rather than a video" }),
  })
  .meta({ id: "MediaStream" });
export type MediaStream = z.infer<typeof MediaStream>;

/** POST /probe: what ffprobe says of a file under the media root. */
export const MediaDescription = z
  .object({
    input: z.string(),
    container: z.string().nullable().meta({ description: "ffprobe's format name", example: "matroska,webm" }),
    duration_seconds: z.number().nullable(),
    size_bytes: z.number().int(),
    bit_rate: z.number().int().nullable(),
    streams: z.array(MediaStream),
  })
  .meta({ id: "MediaDescription" });
export type MediaDescription = z.infer<typeof MediaDescription>;

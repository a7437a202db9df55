import { ResolvedOptions } from "@converter/shared/jobs";
import type { Preset } from "@converter/shared/presets";
import { z } from "zod";

/** A preset as GET /presets shows it: its name and description, and the options it sets (their shared ranges). */
export const PresetView = ResolvedOptions.pick({
  container: true,
  video_codec: true,
  audio_codec: true,
  crf: true,
  video_bitrate: true,
  width: true,
  height: true,
  fps: true,
  audio_bitrate: true,
})
  .extend({ name: z.string(), description: z.string() })
  .meta({ id: "Preset" });
export type PresetView = z.infer<typeof PresetView>;

export function toPresetView(preset: Preset): PresetView {
  const o = preset.options;
  return {
    name: preset.name,
    description: preset.description,
    container: o.container,
    video_codec: o.video_codec,
    audio_codec: o.audio_codec,
    crf: o.crf,
    video_bitrate: o.video_bitrate,
    width: o.width,
    height: o.height,
    fps: o.fps,
    audio_bitrate: o.audio_bitrate,
  };
}

import { PRESETS } from "@converter/shared";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../deps.js";
import { authErrors, jsonContent } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const PresetView = z.object({
  name: z.string(),
  description: z.string(),
  container: z.string(),
  video_codec: z.string(),
  audio_codec: z.string(),
  crf: z.number().nullable(),
  video_bitrate: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  fps: z.number().nullable(),
  audio_bitrate: z.string().nullable(),
});

const presetsRoute = createRoute({
  method: "get",
  path: "/presets",
  tags: ["presets"],
  summary: "The preset catalogue; `options` in POST /convert override a preset field by field",
  responses: { 200: jsonContent(z.object({ presets: z.array(PresetView) }), "All presets"), ...authErrors },
});

export function presetRoutes() {
  const presets = PRESETS.map((p) => ({
    name: p.name,
    description: p.description,
    container: p.options.container,
    video_codec: p.options.video_codec,
    audio_codec: p.options.audio_codec,
    crf: p.options.crf,
    video_bitrate: p.options.video_bitrate,
    width: p.options.width,
    height: p.options.height,
    fps: p.options.fps,
    audio_bitrate: p.options.audio_bitrate,
  }));
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(presetsRoute, (c) =>
    c.json({ presets }, 200),
  );
}

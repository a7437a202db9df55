import { PRESETS } from "@converter/shared/presets";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../deps.js";
import { PresetView, toPresetView } from "../views/preset-view.js";
import { jsonContent, readAuthErrors } from "./schemas.js";
import { validationHook } from "./validation-hook.js";

const presetsRoute = createRoute({
  method: "get",
  path: "/presets",
  operationId: "listPresets",
  tags: ["presets"],
  summary: "The preset catalogue; `options` in POST /convert override a preset field by field",
  responses: {
    200: jsonContent(z.object({ presets: z.array(PresetView) }), "All presets", { presets: PRESETS.map(toPresetView) }),
    ...readAuthErrors,
  },
});

export function presetRoutes() {
  const presets = PRESETS.map(toPresetView);
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(presetsRoute, (c) =>
    c.json({ presets }, 200),
  );
}

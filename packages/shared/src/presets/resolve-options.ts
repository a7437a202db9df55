import { AppError, err, ok, type Result } from "../errors.js";
import type { ConvertOptions } from "../jobs/convert-request.js";
import {
  CONTAINER_EXTENSIONS,
  CONTAINER_RULES,
  containerOfFileName,
  type EncodedVideoCodec,
} from "../jobs/media-words.js";
import { MAX_CRF } from "../jobs/option-fields.js";
import type { ResolvedOptions } from "../jobs/resolved-options.js";
import { DEFAULT_PRESET, findPreset, PRESETS } from "./presets.js";

/**
 * Merges a preset with the client's overrides and checks that the result is
 * something ffmpeg can produce. Pure: the API runs it at submit time and the
 * worker trusts only its output (re-validated by schema).
 */
export function resolveOptions(
  presetName: string | undefined,
  overrides: ConvertOptions | undefined,
  /** The output path the client chose, if any: its extension can pick the container. */
  outputPath?: string,
): Result<{ preset: string; options: ResolvedOptions }> {
  const name = presetName ?? DEFAULT_PRESET;
  const preset = findPreset(name);
  if (!preset) {
    return err(
      new AppError("unknown_preset", `unknown preset '${name}'; one of: ${PRESETS.map((p) => p.name).join(", ")}`, {
        field: "preset",
      }),
    );
  }
  // `"output": "x.mkv"` means Matroska unless the client also names a container.
  const named = outputPath !== undefined ? containerOfFileName(outputPath) : undefined;
  const o = { ...(named && overrides?.container === undefined ? { container: named } : {}), ...overrides };
  const options: ResolvedOptions = { ...preset.options };
  for (const [key, value] of Object.entries(o)) {
    if (value !== undefined) (options as Record<string, unknown>)[key] = value;
  }
  // A bitrate asked for explicitly replaces the preset's quality target, and vice versa.
  if (o.video_bitrate !== undefined && o.crf === undefined) options.crf = null;
  if (o.crf !== undefined && o.video_bitrate === undefined) options.video_bitrate = null;

  const problem = findInconsistency(options, o);
  if (problem) return err(new AppError("validation_failed", problem.message, { field: `options.${problem.field}` }));
  const extensions = CONTAINER_EXTENSIONS[options.container];
  if (outputPath !== undefined && named !== options.container) {
    return err(
      new AppError(
        "validation_failed",
        `output ${outputPath} does not end in .${extensions.join(" or .")}, the extension of container ${options.container}`,
        { field: "output" },
      ),
    );
  }
  return ok({ preset: name, options: dropMootFields(options) });
}

const VIDEO_ENCODING_FIELDS = ["width", "height", "fps", "crf", "video_bitrate"] as const;

const encodesVideo = (o: ResolvedOptions) => o.video_codec !== "none" && o.video_codec !== "copy";
const encodesAudio = (o: ResolvedOptions) => o.audio_codec !== "none" && o.audio_codec !== "copy";

/** Fields a preset carried that mean nothing once a stream is copied or dropped. */
function dropMootFields(o: ResolvedOptions): ResolvedOptions {
  const out = { ...o };
  if (!encodesVideo(out)) for (const field of VIDEO_ENCODING_FIELDS) out[field] = null;
  if (!encodesAudio(out)) out.audio_bitrate = null;
  return out;
}

function findInconsistency(o: ResolvedOptions, asked: ConvertOptions): { field: string; message: string } | undefined {
  const rules = CONTAINER_RULES[o.container];
  if (!rules.video.includes(o.video_codec)) {
    return {
      field: "video_codec",
      message: `container ${o.container} cannot hold video_codec ${o.video_codec}; allowed: ${rules.video.join(", ")}`,
    };
  }
  if (!rules.audio.includes(o.audio_codec)) {
    return {
      field: "audio_codec",
      message: `container ${o.container} cannot hold audio_codec ${o.audio_codec}; allowed: ${rules.audio.join(", ")}`,
    };
  }
  if (o.video_codec === "none" && o.audio_codec === "none") {
    return { field: "audio_codec", message: "video_codec and audio_codec are both none: the output would be empty" };
  }
  if (!encodesAudio(o) && asked.audio_bitrate !== undefined) {
    return {
      field: "audio_bitrate",
      message: `audio_bitrate needs an encoded audio stream, but audio_codec is ${o.audio_codec}`,
    };
  }
  if (!encodesVideo(o)) {
    // Only what the client asked for is an error; preset values are dropped.
    const field = VIDEO_ENCODING_FIELDS.find((f) => asked[f] !== undefined);
    if (field) return { field, message: `${field} needs an encoded video stream, but video_codec is ${o.video_codec}` };
    return undefined;
  }
  const max = MAX_CRF[o.video_codec as EncodedVideoCodec];
  if (o.crf !== null && o.crf > max) {
    return { field: "crf", message: `crf for ${o.video_codec} must be between 0 and ${max}` };
  }
  if (o.width !== null && o.width % 2 !== 0) return { field: "width", message: "width must be even" };
  if (o.height !== null && o.height % 2 !== 0) return { field: "height", message: "height must be even" };
  return undefined;
}

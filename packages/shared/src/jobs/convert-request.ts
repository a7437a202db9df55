import { z } from "zod";
import { STREAM_COPY_MODES } from "./media-words.js";
import { OPTION_FIELDS } from "./option-fields.js";
import { SegmentsOption } from "./segments.js";

/**
 * Overrides of a preset, field by field. Every field is optional; `null` is
 * not accepted (leave the field out instead) so a client cannot confuse
 * "unset" with "remove".
 */
export const ConvertOptions = z
  .object({ ...OPTION_FIELDS, segments: SegmentsOption })
  .partial()
  .strict()
  .meta({ id: "ConvertOptions" });
export type ConvertOptions = z.infer<typeof ConvertOptions>;

/** A media path as the client writes it: relative to MEDIA_ROOT. Checked further by resolveMediaPath. */
export const MediaPathField = z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters");

export const ConvertRequest = z
  .object({
    input: MediaPathField,
    output: MediaPathField.optional(),
    preset: z.string().min(1).max(64).optional(),
    options: ConvertOptions.optional(),
    overwrite: z.boolean().optional(),
    priority: z.number().int().min(1).max(10).optional(),
    stream_copy: z
      .enum(STREAM_COPY_MODES)
      .meta({
        description:
          "`auto` (the default): a stream of the input that already has the codec, size, frame rate, pixel format " +
          "and bitrate the job asks for is copied, not re-encoded; `result.streams` says which were. `never`: " +
          "always re-encode.",
      })
      .optional(),
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

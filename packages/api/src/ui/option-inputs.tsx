import { ConvertRequest, OPTION_FIELDS, STREAM_COPY_MODES } from "@converter/shared/jobs";
import { z } from "zod";

/** How the page reads a field back into the request body: `data-kind` on the control. */
type FieldKind = "number" | "text" | "choice";

type FieldSpec = {
  name: string;
  label: string;
  kind: FieldKind;
  choices?: readonly string[];
  min?: number;
  max?: number;
  step?: string;
};

const LABELS: Record<keyof typeof OPTION_FIELDS, string> = {
  container: "Container",
  video_codec: "Video codec",
  crf: "CRF (quality)",
  video_bitrate: "Video bitrate",
  width: "Width (px)",
  height: "Height (px)",
  fps: "Frame rate",
  audio_codec: "Audio codec",
  audio_bitrate: "Audio bitrate",
  start: "Start (s)",
  duration: "Duration (s)",
  hardware: "Hardware",
};

/**
 * One control per option, built from the shared definitions the API
 * validates with (OPTION_FIELDS), so a choice or range shown here is the
 * API's. The API's own answer is what the page shows as an error: it
 * validates again on submit, and names the field.
 */
export function optionSpecs(): FieldSpec[] {
  return Object.entries(OPTION_FIELDS).map(([name, schema]) => {
    const label = LABELS[name as keyof typeof OPTION_FIELDS];
    if (schema instanceof z.ZodEnum) return { name: `options.${name}`, label, kind: "choice", choices: schema.options };
    if (schema instanceof z.ZodNumber) {
      return {
        name: `options.${name}`,
        label,
        kind: "number",
        ...(schema.minValue !== null && Number.isFinite(schema.minValue) ? { min: schema.minValue } : {}),
        ...(schema.maxValue !== null && Number.isFinite(schema.maxValue) ? { max: schema.maxValue } : {}),
        step: schema.isInt ? "1" : "any",
      };
    }
    return { name: `options.${name}`, label, kind: "text" };
  });
}

const PRIORITY = ConvertRequest.shape.priority.unwrap();

/** A labelled control with the place its error goes; the error is tied to it for screen readers. */
export function Field(props: { spec: FieldSpec; placeholder?: string }) {
  const { spec } = props;
  const id = fieldId(spec.name);
  const describedBy = `${id}-error`;
  return (
    <div class="field">
      <label for={id}>{spec.label}</label>
      {spec.kind === "choice" ? (
        <select id={id} name={spec.name} data-kind="choice" aria-describedby={describedBy}>
          <option value="">{props.placeholder ?? "(preset)"}</option>
          {(spec.choices ?? []).map((choice) => (
            <option value={choice}>{choice}</option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={spec.name}
          data-kind={spec.kind}
          type={spec.kind === "number" ? "number" : "text"}
          inputmode={spec.kind === "number" ? "decimal" : undefined}
          min={spec.min}
          max={spec.max}
          step={spec.step}
          placeholder={props.placeholder ?? "(preset)"}
          aria-describedby={describedBy}
        />
      )}
      <p class="error" id={describedBy} data-error-for={spec.name} />
    </div>
  );
}

/** The submission's own fields besides the options: priority and stream copy, from the request schema. */
export function submissionSpecs(): FieldSpec[] {
  return [
    { name: "stream_copy", label: "Stream copy", kind: "choice", choices: STREAM_COPY_MODES },
    {
      name: "priority",
      label: "Priority (1 runs first)",
      kind: "number",
      ...(PRIORITY.minValue !== null ? { min: PRIORITY.minValue } : {}),
      ...(PRIORITY.maxValue !== null ? { max: PRIORITY.maxValue } : {}),
      step: "1",
    },
  ];
}

/** "options.crf" → "f-options-crf": the id of its control. */
export function fieldId(name: string): string {
  return `f-${name.replace(/[^a-z0-9]+/gi, "-")}`;
}

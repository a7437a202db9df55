import { AppError } from "@converter/shared/errors";
import { ConvertRequest } from "@converter/shared/jobs";
import { resolveOptions } from "@converter/shared/presets";
import { describeIssues } from "./validation-hook.js";

/** Where the file part goes in a form-built request before it is stored: only the shape is checked then. */
const NOT_YET_STORED = "uploads/pending";

/**
 * The fields of a multipart POST /convert as the JSON body would hold them:
 * the `file` part is the input, `options` is JSON, `overwrite` is
 * true/false, `priority` a number, the rest plain text. Checked by the same
 * schema as the JSON body, so a mistake gets the same 422.
 */
export function convertRequestFromForm(fields: Record<string, string>, input: string): ConvertRequest {
  if ("input" in fields) {
    throw new AppError("validation_failed", "input: the file part is the input; leave the input field out", {
      field: "input",
    });
  }
  const body: Record<string, unknown> = { input };
  for (const [name, value] of Object.entries(fields)) body[name] = fieldValue(name, value);
  const parsed = ConvertRequest.safeParse(body);
  if (!parsed.success) {
    const { message, field } = describeIssues(parsed.error.issues);
    throw new AppError("validation_failed", message, { field });
  }
  return parsed.data;
}

function fieldValue(name: string, value: string): unknown {
  if (name === "overwrite") return value === "true" ? true : value === "false" ? false : value;
  if (name === "priority") return /^\d{1,3}$/.test(value) ? Number(value) : value;
  if (name !== "options") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new AppError("validation_failed", "options: not valid JSON", { field: "options" });
  }
}

/**
 * The fields that came before the file, checked before a byte of it is
 * stored: a misspelt preset or option fails at once instead of after a
 * long upload. Paths and the queue are checked once the file is in.
 */
export function checkFormBeforeFile(fields: Record<string, string>): void {
  const request = convertRequestFromForm(fields, NOT_YET_STORED);
  const resolved = resolveOptions(request.preset, request.options, request.output);
  if (!resolved.ok) throw resolved.error;
}

import { AppError } from "@converter/shared/errors";
import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../deps.js";

/** "options.crf: Too big: expected number to be <=63" — the field first, always. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): { message: string; field: string } {
  const parts = issues.slice(0, 5).map((issue) => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const prefix = field ? `${field}.` : "";
      return { field: issue.keys.map((k) => `${prefix}${k}`).join(", "), text: "unknown field" };
    }
    return { field: field || "body", text: issue.message };
  });
  return {
    message: parts.map((p) => `${p.field}: ${p.text}`).join("; "),
    field: parts[0]?.field ?? "body",
  };
}

/** Every failed request validation becomes 422 validation_failed naming the field. */
// biome-ignore lint/suspicious/noExplicitAny: the hook serves every route's input type
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (!result.success) {
    const { message, field } = describeIssues(result.error.issues);
    throw new AppError("validation_failed", message, { field });
  }
};

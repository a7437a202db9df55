import { AppError } from "@converter/shared/errors";
import { JOB_ID_PATTERN } from "@converter/shared/ids";

export type Cursor = { createdAt: string; id: string };

/** Opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export const cursorNotIssued = () =>
  new AppError("validation_failed", "cursor is not one this API issued", { field: "cursor" });

/**
 * The sort key in a cursor, if it is exactly what encodeCursor writes for a
 * job row: a canonical ISO time and a job id, encoded byte for byte the same
 * way. Whether that row exists is the caller's check (JobViews.list): a
 * well-formed cursor may still name a position the API never issued.
 */
export function decodeCursor(value: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw cursorNotIssued();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw cursorNotIssued();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== "string" || typeof id !== "string" || !JOB_ID_PATTERN.test(id)) throw cursorNotIssued();
  const time = Date.parse(createdAt);
  if (!Number.isFinite(time) || new Date(time).toISOString() !== createdAt) throw cursorNotIssued();
  const cursor = { createdAt, id };
  if (encodeCursor(cursor) !== value) throw cursorNotIssued();
  return cursor;
}

import { AppError } from "@converter/shared/errors";

export type Cursor = { createdAt: string; id: string };

/** Opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [createdAt, id] = parsed as unknown[];
      if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("validation_failed", "cursor is not one this API issued", { field: "cursor" });
}

import { statfs } from "node:fs/promises";
import { AppError } from "@converter/shared/errors";

/** Bytes an unprivileged process may still write on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

export function insufficientStorage(message: string): AppError {
  return new AppError("insufficient_storage", message);
}

/**
 * Refuses, before a byte is written, an upload that would leave less than
 * `minFreeBytes` free on the media root's disk (UPLOAD_MIN_FREE_BYTES):
 * outputs, other uploads and the database share that disk. `incoming` is the
 * size the client announced, 0 when it did not say.
 */
export async function ensureRoomFor(dir: string, incoming: number, minFreeBytes: number): Promise<void> {
  const free = await freeBytes(dir);
  if (free - incoming < minFreeBytes) {
    throw insufficientStorage(
      `not enough free space for ${incoming > 0 ? `${incoming} bytes` : "an upload"}: ${free} bytes free, and ` +
        `UPLOAD_MIN_FREE_BYTES keeps ${minFreeBytes} free`,
    );
  }
}

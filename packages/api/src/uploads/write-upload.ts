import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { AppError } from "@converter/shared/errors";
import { freeBytes, insufficientStorage } from "./disk-space.js";

export type WrittenFile = { sizeBytes: number; sha256: string };

export type WriteLimits = {
  /** MAX_UPLOAD_BYTES: one byte more fails the write with upload_too_large. */
  maxBytes: number;
  /** UPLOAD_MIN_FREE_BYTES, checked again every CHECK_FREE_EVERY bytes for a body of unannounced size. */
  minFreeBytes: number;
};

/** How often a long write looks at the disk's free space again: cheap (one statfs), rare enough not to matter. */
const CHECK_FREE_EVERY = 64 * 1024 * 1024;

export function uploadTooLarge(maxBytes: number): AppError {
  return new AppError("upload_too_large", `the upload is larger than MAX_UPLOAD_BYTES (${maxBytes} bytes)`, {
    limit: "MAX_UPLOAD_BYTES",
    max_bytes: maxBytes,
  });
}

/** The client went away before the body ended; nobody is left to answer. */
export class ClientGone extends Error {
  override readonly name = "ClientGone";
}

/**
 * Streams `source` into a new file (never over an existing one), hashing it
 * on the way: memory stays at a few chunks whatever the size. The source is
 * read, paused for back-pressure and, on failure, left alone rather than
 * destroyed, so the HTTP layer can still answer on its connection. On any
 * failure the caller removes the file; this only stops writing.
 */
export function writeUpload(source: Readable, file: string, limits: WriteLimits): Promise<WrittenFile> {
  return new Promise((resolve, reject) => {
    // Cut off before this writer was attached (the multipart body failed meanwhile): nothing will come.
    if (source.destroyed) return reject(new ClientGone("the upload was cut off before it was stored"));
    const out = createWriteStream(file, { flags: "wx", highWaterMark: 1024 * 1024 });
    const hash = createHash("sha256");
    let size = 0;
    let nextFreeCheck = CHECK_FREE_EVERY;
    let settled = false;

    const detach = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onSourceError);
      source.off("close", onClose);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      detach();
      source.pause();
      out.destroy();
      // Settle once the file is closed, so the caller can remove it.
      if (out.closed) reject(error);
      else out.once("close", () => reject(error));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return fail(uploadTooLarge(limits.maxBytes));
      hash.update(chunk);
      if (!out.write(chunk)) {
        source.pause();
        out.once("drain", () => !settled && source.resume());
      }
      if (size >= nextFreeCheck) {
        nextFreeCheck += CHECK_FREE_EVERY;
        void checkFree();
      }
    };
    const checkFree = async () => {
      const free = await freeBytes(file).catch(() => Number.POSITIVE_INFINITY);
      if (free < limits.minFreeBytes) {
        fail(insufficientStorage(`the disk fell below UPLOAD_MIN_FREE_BYTES (${limits.minFreeBytes} bytes free)`));
      }
    };
    const onEnd = () => {
      if (settled) return;
      detach();
      out.end(() => {
        if (settled) return;
        settled = true;
        resolve({ sizeBytes: size, sha256: hash.digest("hex") });
      });
    };
    const onSourceError = () => fail(new ClientGone("the client closed the connection before the upload ended"));
    // An aborted request emits 'close' (and in some versions 'error') without 'end'.
    const onClose = () => fail(new ClientGone("the client closed the connection before the upload ended"));
    out.once("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOSPC" ? insufficientStorage("the disk is full") : error),
    );
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onSourceError);
    source.once("close", onClose);
    source.resume();
  });
}

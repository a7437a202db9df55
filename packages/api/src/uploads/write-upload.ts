import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { AppError } from "@converter/shared/errors";
import { freeBytes, insufficientStorage } from "./disk-space.js";
import { threadedSha256 } from "./sha256-thread.js";

export type WrittenFile = { sizeBytes: number; sha256: string };

export type WriteLimits = {
  /** MAX_UPLOAD_BYTES: one byte more fails the write with upload_too_large. */
  maxBytes: number;
  /** UPLOAD_MIN_FREE_BYTES, checked again every CHECK_FREE_EVERY bytes for a body of unannounced size. */
  minFreeBytes: number;
};

/** How often a long write looks at the disk's free space again: cheap (one statfs), rare enough not to matter. */
const CHECK_FREE_EVERY = 64 * 1024 * 1024;
/** Bytes the hashing thread may lag behind before the body is paused: memory stays bounded. */
const MAX_HASH_BACKLOG = 8 * 1024 * 1024;

export function uploadTooLarge(maxBytes: number): AppError {
  return new AppError("upload_too_large", `the upload is larger than MAX_UPLOAD_BYTES (${maxBytes} bytes)`, {
    limit: "MAX_UPLOAD_BYTES",
    max_bytes: maxBytes,
  });
}

/**
 * The client went away before the body ended. Nobody is left to read the
 * answer; as an AppError it is logged as the request's outcome, not as a bug.
 */
export class ClientGone extends AppError {
  constructor(message: string) {
    super("invalid_upload", message);
  }
}

/**
 * Streams `source` into a new file (never over an existing one): memory
 * stays at a few chunks whatever the size. The SHA-256 is computed on a
 * thread of its own as the bytes pass. The source is paused while the disk
 * or the hash lags, and on failure left alone rather than destroyed, so the
 * HTTP layer can still answer on its connection. The file and its folder
 * entry are on disk (fsync) before this resolves: a 201 means the bytes
 * survive a crash. On failure the caller removes the file; this only stops.
 */
export function writeUpload(source: Readable, file: string, limits: WriteLimits): Promise<WrittenFile> {
  return new Promise((resolve, reject) => {
    // Cut off before this writer was attached (the multipart body failed meanwhile): nothing will come.
    if (source.destroyed) return reject(new ClientGone("the upload was cut off before it was stored"));
    const out = createWriteStream(file, { flags: "wx", highWaterMark: 1024 * 1024, flush: true });
    const hash = threadedSha256();
    let size = 0;
    let nextFreeCheck = CHECK_FREE_EVERY;
    let settled = false;
    let diskBehind = false;

    const detach = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onSourceError);
      source.off("close", onSourceError);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      detach();
      source.pause();
      hash.drop();
      out.destroy();
      // Settle once the file is closed, so the caller can remove it.
      if (out.closed) reject(error);
      else out.once("close", () => reject(error));
    };
    const resumeIfCaughtUp = () => {
      if (!settled && !diskBehind && hash.pending < MAX_HASH_BACKLOG) source.resume();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return fail(uploadTooLarge(limits.maxBytes));
      hash.update(chunk);
      if (!out.write(chunk)) {
        diskBehind = true;
        out.once("drain", () => {
          diskBehind = false;
          resumeIfCaughtUp();
        });
      }
      if (diskBehind || hash.pending >= MAX_HASH_BACKLOG) source.pause();
      if (size >= nextFreeCheck) {
        nextFreeCheck += CHECK_FREE_EVERY;
        void checkFree();
      }
    };
    hash.onProgress = resumeIfCaughtUp;
    const checkFree = async () => {
      const free = await freeBytes(file).catch(() => Number.POSITIVE_INFINITY);
      if (free < limits.minFreeBytes) {
        fail(insufficientStorage(`the disk fell below UPLOAD_MIN_FREE_BYTES (${limits.minFreeBytes} bytes free)`));
      }
    };
    const onEnd = () => {
      if (settled) return;
      detach();
      // `flush` fsyncs the file before it closes; then its folder entry, and the hash.
      out.once("close", async () => {
        if (settled) return;
        settled = true;
        try {
          await syncFolder(path.dirname(file));
          resolve({ sizeBytes: size, sha256: await hash.digest() });
        } catch (error) {
          hash.drop();
          reject(error);
        }
      });
      out.end();
    };
    // An aborted request emits 'close' (and in some versions 'error') without 'end'.
    const onSourceError = () => fail(new ClientGone("the client closed the connection before the upload ended"));
    out.once("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOSPC" ? insufficientStorage("the disk is full") : error),
    );
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onSourceError);
    source.once("close", onSourceError);
    source.resume();
  });
}

/** A new file's name in its folder survives a crash only once the folder itself is synced. */
export const syncFolder = (dir: string) => syncFile(dir);

/** fsync: the file's bytes (or a folder's entries) reach the disk. */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

import { mkdir, rm, stat } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import { AppError } from "@converter/shared/errors";
import type { UploadView } from "@converter/shared/files";
import { newUploadId } from "@converter/shared/ids";
import type { Logger } from "@converter/shared/logger";
import { UPLOADS_DIR } from "@converter/shared/media-path";
import type { Db } from "../store/db.js";
import { JobStore } from "../store/job-store.js";
import type { UploadRow } from "../store/schema.js";
import { toUploadView } from "../views/upload-view.js";
import { ensureRoomFor } from "./disk-space.js";
import { type FilePart, type MultipartLimits, readMultipart } from "./multipart-body.js";
import { safeFileName } from "./safe-file-name.js";
import { UploadStore } from "./upload-store.js";
import { uploadTooLarge, type WrittenFile, writeUpload } from "./write-upload.js";

export type UploadServiceDeps = {
  db: Db;
  /** Real path of MEDIA_ROOT. */
  mediaRoot: string;
  /** MAX_UPLOAD_BYTES */
  maxUploadBytes: number;
  /** UPLOAD_MIN_FREE_BYTES */
  minFreeBytes: number;
  log: Logger;
  now?: () => Date;
};

/** An upload begun: its row is written, its folder made, its file not yet. */
type Begun = { row: UploadRow; file: string };

export const uploadNotFound = (id: string) => new AppError("upload_not_found", `no upload with id ${id}`);

/**
 * Files sent over HTTP into `uploads/<upload_id>/<safe name>` under the
 * media root (docs/adr/0021-files-over-http.md): a raw body or the `file`
 * part of a multipart body, streamed to disk and hashed on the way, never
 * held in memory. Whatever fails on the way (too large, disk full, a client
 * that went away) leaves neither a file nor a row. Knows nothing of HTTP.
 */
export class UploadService {
  readonly store: UploadStore;
  private readonly jobs: JobStore;

  constructor(private readonly deps: UploadServiceDeps) {
    this.store = new UploadStore(deps.db);
    this.jobs = new JobStore(deps.db);
  }

  get maxUploadBytes(): number {
    return this.deps.maxUploadBytes;
  }

  /** `<media root>/uploads`: made at start, home of every upload's folder. */
  get root(): string {
    return path.join(this.deps.mediaRoot, UPLOADS_DIR);
  }

  /** A raw body: `contentLength` (when the client sent one) is checked before a byte is read. */
  async receive(body: Readable, fileName: string | undefined, contentLength: number | undefined): Promise<UploadView> {
    const begun = await this.begin("single", fileName, contentLength);
    return this.write(begun, body);
  }

  /**
   * A multipart body: its `file` part becomes the upload, its other fields
   * come back as they were sent. `beforeFile` sees the fields sent before
   * the file and may refuse them (throw) before a byte of it is stored.
   */
  async receiveMultipart(
    body: Readable,
    headers: IncomingHttpHeaders,
    limits: MultipartLimits,
    beforeFile?: (fields: Record<string, string>) => Promise<void> | void,
  ): Promise<{ upload: UploadView; fields: Record<string, string> }> {
    const contentLength = Number(headers["content-length"] ?? Number.NaN);
    // The file is part of the body, so a body over the limit holds a file over it.
    if (contentLength > this.deps.maxUploadBytes + limits.maxFieldBytes * (limits.maxFields + 1)) {
      throw uploadTooLarge(this.deps.maxUploadBytes);
    }
    const onFile = async (part: FilePart) => {
      await beforeFile?.(part.fieldsBefore);
      // The file's own size is not known yet; the whole body's bounds what the disk must hold.
      const begun = await this.begin(
        "single",
        part.fileName,
        undefined,
        Number.isFinite(contentLength) ? contentLength : 0,
      );
      return this.write(begun, part.stream);
    };
    const { fields, file } = await readMultipart(body, headers, limits, onFile);
    if (!file) throw new AppError("invalid_upload", "the body holds no file");
    return { upload: file, fields };
  }

  get(id: string): Promise<UploadView> {
    return this.viewOf(this.require(id));
  }

  /** DELETE /uploads/{id}: refused while a live job reads the file. */
  async remove(id: string): Promise<void> {
    const row = this.require(id);
    const reader = this.jobs.liveJobReading(row.path);
    if (reader) {
      throw new AppError("upload_in_use", `job ${reader} is reading ${row.path}; cancel it first or wait`, {
        job_id: reader,
      });
    }
    await this.discard(row);
  }

  /** An upload whose request failed after it was stored (a multipart POST /convert refused). */
  async discardById(id: string): Promise<void> {
    const row = this.store.get(id);
    if (row) await this.discard(row);
  }

  /** The folder and the row, whatever state the upload is in; also for the retention sweep. */
  async discard(row: UploadRow): Promise<void> {
    await rm(path.join(this.root, row.id), { recursive: true, force: true });
    this.store.delete(row.id);
  }

  /** A row written and a folder made for an upload whose bytes come next; refused when the disk is too full. */
  async begin(
    kind: UploadRow["kind"],
    rawName: string | undefined,
    expected: number | undefined,
    room = expected ?? 0,
    id = newUploadId(),
  ): Promise<Begun> {
    if (expected !== undefined && expected > this.deps.maxUploadBytes) throw uploadTooLarge(this.deps.maxUploadBytes);
    await ensureRoomFor(this.root, room, this.deps.minFreeBytes);
    const name = safeFileName(rawName);
    const dir = path.join(this.root, id);
    await mkdir(dir);
    this.store.insertReceiving({
      id,
      name,
      path: `${UPLOADS_DIR}/${id}/${name}`,
      kind,
      expectedBytes: expected ?? null,
      createdAt: this.now(),
    });
    const row = this.store.get(id);
    if (!row) throw new Error(`upload ${id} vanished as it was written`);
    return { row, file: path.join(dir, name) };
  }

  /** Marks an upload complete once its file holds every byte. */
  finish(row: UploadRow, written: WrittenFile): UploadView {
    this.store.markComplete(row.id, { ...written, completedAt: this.now() });
    return toUploadView(this.require(row.id));
  }

  private async write(begun: Begun, body: Readable): Promise<UploadView> {
    let written: WrittenFile;
    try {
      written = await writeUpload(body, begun.file, {
        maxBytes: this.deps.maxUploadBytes,
        minFreeBytes: this.deps.minFreeBytes,
      });
    } catch (error) {
      await this.discard(begun.row);
      this.deps.log.info({ upload_id: begun.row.id, reason: (error as Error).message }, "upload discarded");
      throw error;
    }
    return this.finish(begun.row, written);
  }

  private require(id: string): UploadRow {
    const row = this.store.get(id);
    if (!row) throw uploadNotFound(id);
    return row;
  }

  /** A resumable upload still receiving shows the bytes it has so far (tus/ keeps them beside the others). */
  private async viewOf(row: UploadRow): Promise<UploadView> {
    if (row.kind !== "tus" || row.status !== "receiving") return toUploadView(row);
    const partial = await stat(path.join(this.root, TUS_DIR, row.id)).catch(() => undefined);
    return toUploadView(row, partial?.size ?? 0);
  }

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}

/** Where resumable uploads collect their bytes until complete: hidden, on the same disk, so finishing is a rename. */
export const TUS_DIR = ".tus";

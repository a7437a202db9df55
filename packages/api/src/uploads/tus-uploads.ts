import { mkdirSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { AppError, type ErrorCode } from "@converter/shared/errors";
import { newUploadId } from "@converter/shared/ids";
import type { Logger } from "@converter/shared/logger";
import { FileStore } from "@tus/file-store";
import { EVENTS, Server, type Upload } from "@tus/server";
import { sha256OfFile } from "./sha256-thread.js";
import { TUS_DIR, type UploadService } from "./upload-service.js";
import { syncFile, syncFolder } from "./write-upload.js";

/** Where the tus protocol is served: POST here creates an upload, `<path>/<upload_id>` takes HEAD, PATCH, DELETE. */
export const TUS_PATH = "/uploads/tus";
/** The tus methods; a GET of a partial upload is not served (only finished files are, by their job). */
export const TUS_METHODS = ["POST", "HEAD", "PATCH", "DELETE", "OPTIONS"] as const;

/** tus answers in plain text; the API's clients read one error shape. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  404: "upload_not_found",
  410: "upload_not_found",
  409: "upload_conflict",
  423: "upload_conflict",
  413: "upload_too_large",
  507: "insufficient_storage",
};

export type TusUploads = {
  /** Answers one tus request (a web Request in, a web Response out), errors in the API's shape. */
  handle(request: Request): Promise<Response>;
  /** Drops a resumable upload's partial bytes (DELETE /uploads/{id}, the retention sweep). */
  removePartial(id: string): Promise<void>;
};

/**
 * Resumable uploads with the tus 1.0 protocol (@tus/server, @tus/file-store;
 * docs/adr/0021-files-over-http.md). The bytes gather in `uploads/.tus/<id>`
 * on the media root's disk; once the last one arrives the file is moved to
 * `uploads/<id>/<safe name>` (a rename), hashed, and the upload recorded
 * complete, exactly as a single POST /uploads would leave it. The upload id
 * is the API's own, so `/uploads/{upload_id}` works for both kinds.
 */
export function createTusUploads(uploads: UploadService, log: Logger): TusUploads {
  const directory = path.join(uploads.root, TUS_DIR);
  mkdirSync(directory, { recursive: true });
  // Built on the first tus request: FileStore's constructor makes its folder again with an unawaited mkdir.
  let server: Server | undefined;
  const tusServer = () => {
    server ??= createServer(uploads, directory, log);
    return server;
  };
  return {
    handle: async (request) => inApiShape(await tusServer().handleWeb(request), log),
    removePartial: async (id) => {
      await Promise.all([
        rm(path.join(directory, id), { force: true }),
        rm(path.join(directory, `${id}.json`), { force: true }),
      ]);
    },
  };
}

/**
 * FileStore makes its folder again with an mkdir nobody awaits, which throws
 * into the void if the folder is gone by then (a test's temporary media
 * root). The folder is made synchronously before the store exists, so that
 * step is skipped (the method is private in FileStore's types).
 */
class PreparedFileStore extends FileStore {}
Object.defineProperty(PreparedFileStore.prototype, "checkOrCreateDirectory", { value: () => undefined });

function createServer(uploads: UploadService, directory: string, log: Logger): Server {
  const server = new Server({
    datastore: new PreparedFileStore({ directory }),
    path: TUS_PATH,
    relativeLocation: true,
    respectForwardedHeaders: false,
    // A finished upload lives on as uploads/<id>; DELETE /uploads/{id} removes it, with the job check.
    disableTerminationForFinishedUploads: true,
    maxSize: uploads.maxUploadBytes,
    namingFunction: () => newUploadId(),
    onUploadCreate: async (_req, upload) => {
      const name = upload.metadata?.filename ?? upload.metadata?.name ?? undefined;
      await asTusError(() => uploads.begin("tus", name, upload.size, upload.size ?? 0, upload.id));
      return {};
    },
    onUploadFinish: async (req, upload) => {
      const view = await asTusError(() => finish(uploads, directory, upload));
      // tus says 204 for a PATCH; its clients take any 2xx, and 200 can carry the upload's path and hash.
      const status = req.method === "PATCH" ? { status_code: 200 } : {};
      return { ...status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(view) };
    },
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    const row = uploads.store.get(id);
    if (row)
      void uploads.discard(row).catch((error) => log.warn({ err: error, upload_id: id }, "cannot remove upload"));
  });
  return server;
}

/** Moves the complete file into its upload's folder, hashes it, records it. */
async function finish(uploads: UploadService, directory: string, upload: Upload) {
  const row = uploads.store.get(upload.id);
  if (!row) throw new AppError("upload_not_found", `upload ${upload.id} has no record; it was removed`);
  const target = path.join(uploads.root, row.id, row.name);
  await rename(path.join(directory, upload.id), target);
  await rm(path.join(directory, `${upload.id}.json`), { force: true });
  // As a single upload is: on disk, name and all, before the client is told it is stored.
  await syncFile(target);
  await syncFolder(path.dirname(target));
  return uploads.finish(row, { sizeBytes: upload.offset, sha256: await sha256OfFile(target) });
}

/** tus sends what a hook throws as `{status_code, body}`; an AppError keeps its status and message. */
async function asTusError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) throw { status_code: error.httpStatus, body: error.message };
    throw error;
  }
}

async function inApiShape(response: Response, log: Logger): Promise<Response> {
  if (response.status < 400) return response;
  const text = (await response.text()).trim();
  const code = CODE_OF_STATUS[response.status] ?? (response.status >= 500 ? "internal_error" : "invalid_upload");
  if (response.status >= 500) log.warn({ status: response.status, tus: text }, "resumable upload failed");
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  const message = response.status >= 500 && code === "internal_error" ? "the upload could not be stored" : text;
  return new Response(JSON.stringify({ error: { code, message: message || `tus answered ${response.status}` } }), {
    status: response.status,
    headers,
  });
}

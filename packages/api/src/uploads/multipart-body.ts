import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { AppError } from "@converter/shared/errors";
import { Busboy, type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import { ClientGone } from "./write-upload.js";

/** The form field whose part is the file (`curl -F file=@clip.mkv`). */
export const FILE_FIELD = "file";

export type MultipartLimits = {
  /** MAX_BODY_BYTES: each plain field, like a JSON body. */
  maxFieldBytes: number;
  maxFields: number;
};

export type FilePart = { fileName: string; stream: BusboyFileStream; fieldsBefore: Record<string, string> };

export const invalidUpload = (message: string) => new AppError("invalid_upload", message);

/**
 * Reads a multipart/form-data body as it arrives (busboy): plain fields are
 * collected, the one part named `file` is handed to `onFile` as a stream
 * that is never buffered. Resolves once both the body and `onFile` are done.
 * On a failure the body is unpiped, not destroyed, so the caller can still
 * answer on the connection.
 */
export function readMultipart<T>(
  body: Readable,
  headers: IncomingHttpHeaders,
  limits: MultipartLimits,
  onFile: (part: FilePart) => Promise<T>,
): Promise<{ fields: Record<string, string>; file: T | undefined }> {
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({
        headers: headers as IncomingHttpHeaders & { "content-type": string },
        preservePath: true,
        limits: { fields: limits.maxFields, fieldSize: limits.maxFieldBytes, files: 1, parts: limits.maxFields + 1 },
      });
    } catch (error) {
      return reject(invalidUpload(`the multipart body cannot be read: ${(error as Error).message}`));
    }
    const fields: Record<string, string> = {};
    let file: Promise<T> | undefined;
    let fileStream: BusboyFileStream | undefined;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      body.unpipe(parser);
      body.pause();
      // A file part cut off by the failure must end too, or its writer waits for more forever.
      fileStream?.destroy();
      // The file's own failure is the one to report; wait for it to let go of its file.
      if (file)
        file.then(
          () => reject(error),
          () => reject(error),
        );
      else reject(error);
    };
    parser.on("field", (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated)
        fail(new AppError("validation_failed", `${name}: longer than ${limits.maxFieldBytes} bytes`, { field: name }));
      else fields[name] = value;
    });
    parser.on("file", (name, stream, fileName) => {
      if (name !== FILE_FIELD) {
        stream.resume();
        return fail(invalidUpload(`only the part named "${FILE_FIELD}" may hold a file, not "${name}"`));
      }
      fileStream = stream;
      file = onFile({ fileName, stream, fieldsBefore: { ...fields } });
      file.catch(fail);
    });
    parser.on("filesLimit", () => fail(invalidUpload(`send one file, in the part named "${FILE_FIELD}"`)));
    parser.on("fieldsLimit", () => fail(invalidUpload(`at most ${limits.maxFields} form fields`)));
    parser.on("partsLimit", () => fail(invalidUpload(`at most ${limits.maxFields + 1} parts`)));
    parser.on("error", (error) =>
      fail(invalidUpload(`the multipart body cannot be read: ${(error as Error).message}`)),
    );
    parser.on("finish", () => {
      if (settled) return;
      if (!file) return fail(invalidUpload(`no part named "${FILE_FIELD}" with a file`));
      file.then((value) => {
        if (settled) return;
        settled = true;
        resolve({ fields, file: value });
      }, fail);
    });
    const gone = () => fail(new ClientGone("the client closed the connection before the upload ended"));
    body.on("error", gone);
    body.on("close", () => !body.readableEnded && gone());
    body.pipe(parser);
  });
}

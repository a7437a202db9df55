import { z } from "zod";

export const UPLOAD_STATUSES = ["receiving", "complete"] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** An upload as the API shows it: `path` is what POST /convert takes as `input`. */
export const UploadView = z
  .object({
    upload_id: z.string(),
    path: z.string().meta({ description: "uploads/<upload_id>/<name>, relative to the media root" }),
    name: z.string().meta({ description: "The file name as stored: the client's, made safe" }),
    size_bytes: z.number().int().meta({ description: "Bytes received so far (all of them once complete)" }),
    sha256: z.string().nullable().meta({ description: "Hex SHA-256 of the stored bytes; null until complete" }),
    status: z.enum(UPLOAD_STATUSES),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: "Upload" });
export type UploadView = z.infer<typeof UploadView>;

import type { UploadView } from "@converter/shared/files";
import type { UploadRow } from "../store/schema.js";

/** An upload as clients see it; `sizeBytes` overrides the row's for a resumable upload still receiving. */
export function toUploadView(row: UploadRow, sizeBytes = row.sizeBytes): UploadView {
  return {
    upload_id: row.id,
    path: row.path,
    name: row.name,
    size_bytes: sizeBytes,
    sha256: row.sha256,
    status: row.status,
    created_at: row.createdAt,
    completed_at: row.completedAt,
  };
}

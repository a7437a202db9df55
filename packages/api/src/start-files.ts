import { mkdir } from "node:fs/promises";
import type { ApiConfig } from "@converter/shared/config/api";
import type { Logger } from "@converter/shared/logger";
import { OutputFiles } from "./downloads/output-files.js";
import { FolderListing } from "./files/list-folder.js";
import { RetentionSweeper } from "./retention/retention-sweeper.js";
import { ProbeService } from "./services/probe-service.js";
import type { Db } from "./store/db.js";
import { createTusUploads } from "./uploads/tus-uploads.js";
import { UploadService } from "./uploads/upload-service.js";

/**
 * Files over HTTP (docs/adr/0021-files-over-http.md): uploads (single and
 * resumable), downloads, probe, listings, and the retention sweep, which
 * first removes what a crash left half uploaded.
 */
export async function startFiles(config: ApiConfig, log: Logger, db: Db, mediaRoot: string) {
  const uploads = new UploadService({
    db,
    mediaRoot,
    maxUploadBytes: config.maxUploadBytes,
    minFreeBytes: config.uploadMinFreeBytes,
    log: log.child({ component: "uploads" }),
  });
  await mkdir(uploads.root, { recursive: true });
  const tus = createTusUploads(uploads, log.child({ component: "tus" }));
  const retention = new RetentionSweeper({
    db,
    mediaRoot,
    uploads,
    tus,
    log: log.child({ component: "retention" }),
    uploadRetentionMs: config.uploadRetentionMs,
    jobRetentionMs: config.jobRetentionMs,
    outputRetentionMs: config.outputRetentionMs,
  });
  const abandoned = await retention.removeAbandoned();
  if (abandoned > 0) log.info({ uploads: abandoned }, "removed uploads a stopped API left half written");
  retention.start();
  return {
    retention,
    routes: {
      uploads,
      tus,
      outputs: new OutputFiles(db, mediaRoot),
      folders: new FolderListing(mediaRoot),
      probe: new ProbeService({ mediaRoot, ffprobePath: config.ffprobePath }),
    },
  };
}

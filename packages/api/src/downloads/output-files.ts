import path from "node:path";
import { AppError } from "@converter/shared/errors";
import type { Container } from "@converter/shared/jobs";
import { resolveInputPath } from "@converter/shared/media-path";
import type { Db } from "../store/db.js";
import { JobViews } from "../views/job-views.js";
import type { Validators } from "./preconditions.js";

/** The media type of each container the API writes. */
const CONTENT_TYPES: Record<Container, string> = {
  mp4: "video/mp4",
  mov: "video/quicktime",
  mkv: "video/x-matroska",
  webm: "video/webm",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
};

/** A completed job's output, found and checked, ready to be sent. */
export type OutputFile = Validators & {
  absolute: string;
  size: number;
  contentType: string;
  /** The output's own name, for Content-Disposition. */
  fileName: string;
};

/**
 * Finds the file a completed job wrote, for GET /jobs/{job_id}/output. The
 * path is resolved again under the media root like any input (symlinks must
 * stay inside it); a file that is gone, or was replaced by one of another
 * size since the job recorded it, is `output_gone` rather than someone
 * else's bytes under this job's name.
 */
export class OutputFiles {
  private readonly views: JobViews;

  constructor(
    db: Db,
    private readonly mediaRoot: string,
  ) {
    this.views = new JobViews(db);
  }

  async find(jobId: string): Promise<OutputFile> {
    const job = this.views.get(jobId);
    if (!job) throw new AppError("job_not_found", `no job with id ${jobId}`);
    if (job.status !== "completed") {
      throw new AppError("job_not_completed", `job ${jobId} is ${job.status}; its output exists once it is completed`, {
        status: job.status,
      });
    }
    const gone = (why: string) => new AppError("output_gone", `the output of job ${jobId}, ${job.output}, ${why}`);
    const resolved = await resolveInputPath(this.mediaRoot, job.output);
    if (!resolved.ok) throw gone("was removed");
    const info = resolved.value.stats;
    if (job.result && job.result.size_bytes !== info.size) throw gone("was replaced by another file");
    return {
      absolute: resolved.value.absolute,
      size: info.size,
      // inode, size and modification time: a replaced or rewritten file gets another tag.
      etag: `"${info.ino.toString(36)}-${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`,
      lastModified: info.mtime,
      contentType: CONTENT_TYPES[job.options.container] ?? "application/octet-stream",
      fileName: path.posix.basename(job.output),
    };
  }
}

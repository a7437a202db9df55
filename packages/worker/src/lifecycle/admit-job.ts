import { lstat } from "node:fs/promises";
import { DEFAULT_JOB_LIMITS, type JobLimits } from "@converter/shared/config/worker";
import { CANCELLED_BY_CLIENT } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import { resolveInputPath, resolveOutputPath } from "@converter/shared/media-path";
import { ConvertJobData, type ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { fdPath } from "../media-files/descriptor-paths.js";
import { openFileIn } from "../media-files/open-beneath.js";
import { batchedJobLog, type JobLog } from "./batched-job-log.js";
import { inputSizeBreach } from "./input-limits.js";
import { permanent } from "./job-failure.js";
import { type JobFiles, openJobFiles, outputIsInput, targetStat } from "./job-files.js";
import { finishedResult } from "./job-result.js";
import { type ProcessorDeps, probeFile } from "./processor-deps.js";
import { removeTemporaryFiles } from "./temporary-files.js";

/** A job this run will encode: its payload, its files on this node, and where its log lines go. */
export type AdmittedJob = {
  data: ConvertJobData;
  log: Logger;
  jobLog: JobLog;
  /** Real paths the job's paths resolved to on this node: for messages and logs, never opened by name again. */
  inputPath: string;
  targetPath: string;
  /** The input and the output's folder, opened below the media root; the processor closes them. */
  files: JobFiles;
  limits: JobLimits;
};

export type Admission = { kind: "encode"; job: AdmittedJob } | { kind: "already_published"; result: ConvertJobReturn };

/**
 * Step 1 of a run: decide whether there is anything to encode. The worker
 * never trusts the queue: the payload is parsed again, the paths are
 * resolved again on this node, and the files are opened by descriptor below
 * the media root (docs/adr/0020-media-files-by-descriptor.md). A job
 * cancelled while it waited ends here; a job whose earlier run published its
 * output and died before BullMQ heard of it completes with that output.
 */
export async function admitJob(deps: ProcessorDeps, job: Job): Promise<Admission> {
  const parsed = ConvertJobData.safeParse(job.data);
  if (!parsed.success) throw permanent("worker_error", "the queued job has an unreadable payload");
  const data = parsed.data;
  const log = deps.log.child({ job_id: data.job_id, request_id: data.request_id, attempt: job.attemptsMade + 1 });
  const jobLog = batchedJobLog(job);
  if (await deps.isCancelRequested(data.job_id)) {
    await jobLog("cancelled before it started");
    throw permanent(CANCELLED_BY_CLIENT.code, CANCELLED_BY_CLIENT.message);
  }

  const input = await resolveInputPath(deps.mediaRoot, data.input);
  if (!input.ok) throw permanent(input.error.code, input.error.message);
  const output = await resolveOutputPath(deps.mediaRoot, data.output);
  if (!output.ok) throw permanent(output.error.code, output.error.message);
  const real = { input: input.value.absolute, target: output.value.absolute };
  const files = await openJobFiles(deps.mediaRoot, real, data);
  try {
    const limits = deps.limits ?? DEFAULT_JOB_LIMITS;
    // Checked before anything reads the file; the probe checks the rest of the limits.
    const tooLarge = inputSizeBreach((await files.input.stat()).size, limits);
    if (tooLarge) throw permanent(tooLarge.code, tooLarge.message);
    // Files of earlier runs of this job (a crashed or stalled worker) are garbage now.
    await removeTemporaryFiles(files.outputDir, files.targetName, data.job_id);

    const target = await targetStat(files);
    if (await outputIsInput(files, target)) {
      throw permanent(
        "invalid_path",
        `${data.output} is the input file (${data.input}); a file cannot be converted onto itself`,
      );
    }
    const admitted: AdmittedJob = { data, log, jobLog, inputPath: real.input, targetPath: real.target, files, limits };
    if (target && !data.overwrite) {
      const result = await resultOfEarlierRun(deps, admitted);
      await files.close();
      return { kind: "already_published", result };
    }
    return { kind: "encode", job: admitted };
  } catch (error) {
    await files.close();
    throw error;
  }
}

/** The output exists: the very file an earlier run of this job published (same inode and size), or a refusal. */
async function resultOfEarlierRun(deps: ProcessorDeps, admitted: AdmittedJob): Promise<ConvertJobReturn> {
  const { data, files } = admitted;
  const info = data.published
    ? await lstat(fdPath(files.outputDir.fd, files.targetName)).catch(() => undefined)
    : undefined;
  if (!data.published || !info?.isFile() || info.ino !== data.published.ino || info.size !== data.published.size) {
    throw permanent("output_exists", `${data.output} appeared while the job was queued; it was left untouched`);
  }
  const published = await openFileIn(files.outputDir, files.targetName);
  try {
    const probe = await probeFile(deps, { fd: published.fd }, data.output);
    if (!probe.ok) throw permanent("ffmpeg_failed", `the published output is unreadable: ${probe.reason}`);
    return await finishedResult(deps.workerName, admitted, {
      encoder: data.published.encoder,
      elapsedMs: null,
      info: probe.info,
      size: info.size,
    });
  } finally {
    await published.close();
  }
}

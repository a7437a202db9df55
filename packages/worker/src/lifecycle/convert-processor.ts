import type { FileHandle } from "node:fs/promises";
import type { ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { createFileIn } from "../media-files/open-beneath.js";
import { type AdmittedJob, admitJob } from "./admit-job.js";
import { isDecidedOutcome, transient } from "./job-failure.js";
import { finishedResult } from "./job-result.js";
import { planEncode } from "./plan-encode.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { publishOutput } from "./publish-output.js";
import { runEncode } from "./run-encode.js";
import { settleRun } from "./settle-run.js";
import { shownPaths } from "./shown-paths.js";
import { removeIn } from "./temporary-files.js";
import { verifyOutput } from "./verify-output.js";

export type { ProcessorDeps } from "./processor-deps.js";

/**
 * Converts one job, as a sequence of steps each in its own module: admit it
 * (payload, cancel, paths, its files opened by descriptor, an earlier run's
 * output), plan the encode (encoder, arguments), run ffmpeg with the probe
 * and the watchdog, settle how it ended, verify the file, publish it. Every
 * failure on the way is a PermanentFailure or TransientFailure with the code
 * the client sees.
 */
export function createConvertProcessor(deps: ProcessorDeps) {
  return async function convert(job: Job, token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    const admission = await admitJob(deps, job);
    if (admission.kind === "already_published") return admission.result;
    try {
      return await encode(deps, admission.job, { job, token, signal });
    } finally {
      await admission.job.files.close();
    }
  };
}

async function encode(
  deps: ProcessorDeps,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
): Promise<ConvertJobReturn> {
  const plan = planEncode(deps, admitted, run);
  let temp: FileHandle | undefined;
  try {
    temp = await createFileIn(admitted.files.outputDir, plan.tempName);
    const running = { ...plan, temp };
    const outcome = await runEncode(deps, running);
    const tempFile = await settleRun(running, outcome, deps.stallTimeoutMs);
    const info = await verifyOutput(deps.ffprobePath, running);
    await publishOutput(running, tempFile, deps.isCancelRequested);
    return await finishedResult(deps.workerName, plan, {
      encoder: plan.encoder,
      elapsedMs: outcome.run.elapsedMs,
      info,
      size: tempFile.size,
    });
  } catch (error) {
    // A failed run leaves neither the target nor its temporary file.
    await removeIn(admitted.files.outputDir, plan.tempName).catch(() => undefined);
    if (isDecidedOutcome(error)) throw error;
    // Our bug or the machine's trouble: full detail in the worker's log, a
    // retryable failure without this node's paths for the client.
    plan.log.error({ err: error }, "unexpected error while converting");
    throw transient("worker_error", shownPaths(plan, error instanceof Error ? error.message : String(error)));
  } finally {
    await temp?.close();
  }
}

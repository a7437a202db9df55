import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { admitJob } from "./admit-job.js";
import { handBackIfSessionRefused, nvdecRefused } from "./gpu-run-outcome.js";
import type { InputVerdict } from "./input-verdict.js";
import { isDecidedOutcome, transient } from "./job-failure.js";
import { finishedResult } from "./job-result.js";
import { type EncodePlan, planEncode, withCpuDecode } from "./plan-encode.js";
import { probeFirst } from "./probe-first.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { publishOutput } from "./publish-output.js";
import { type EncodeOutcome, runEncode } from "./run-encode.js";
import { settleRun } from "./settle-run.js";
import { shownPaths } from "./shown-paths.js";
import { decideStreamCopy } from "./stream-copy.js";
import { verifyOutput } from "./verify-output.js";

export type { ProcessorDeps } from "./processor-deps.js";

/**
 * Converts one job, as a sequence of steps each in its own module: admit it
 * (payload, cancel, paths, an earlier run's output), probe the input first
 * when a stream might be copied, plan the encode (encoder, decode path,
 * arguments), run ffmpeg with the probe and the watchdog, settle how it
 * ended, verify the file, publish it. Every failure on the way is a
 * PermanentFailure or TransientFailure with the code the client sees.
 */
export function createConvertProcessor(deps: ProcessorDeps) {
  return async function convert(job: Job, token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    const admission = await admitJob(deps, job);
    if (admission.kind === "already_published") return admission.result;
    const early = await probeFirst(deps, admission.job);
    let plan = await planEncode(deps, admission.job, { job, token, signal }, early);
    try {
      await mkdir(path.dirname(plan.targetPath), { recursive: true });
      let outcome = await encode(deps, plan);
      if (nvdecRefused(plan, outcome)) {
        plan = await onCpuDecode(deps, plan, outcome);
        outcome = await encode(deps, plan);
      }
      const tempFile = await settleRun(plan, outcome, deps.stallTimeoutMs);
      const info = await verifyOutput(deps.ffprobePath, plan);
      await publishOutput(plan, tempFile, deps.isCancelRequested);
      return await finishedResult(deps.workerName, plan, {
        encoder: plan.encoder,
        pipeline: plan.pipeline,
        elapsedMs: outcome.run.elapsedMs,
        info,
        size: tempFile.size,
        streams: streamOutcomes(plan, outcome.verdict),
      });
    } catch (error) {
      // A failed run leaves neither the target nor its temporary file.
      await rm(plan.tempPath, { force: true });
      if (isDecidedOutcome(error)) throw error;
      // Our bug or the machine's trouble: full detail in the worker's log, a
      // retryable failure without this node's paths for the client.
      plan.log.error({ err: error }, "unexpected error while converting");
      throw transient("worker_error", shownPaths(plan, error instanceof Error ? error.message : String(error)));
    } finally {
      plan.releaseNvenc();
    }
  };
}

/** Per stream, copied or encoded: decided before ffmpeg when the probe came first, told from the probe otherwise. */
function streamOutcomes(plan: EncodePlan, verdict: InputVerdict) {
  if (plan.early) return plan.early.copy.streams;
  return verdict.kind === "usable" ? decideStreamCopy(verdict.info, plan.data).streams : undefined;
}

/** One ffmpeg run, counted, and handed back to the queue when the driver had no NVENC session for it. */
async function encode(deps: ProcessorDeps, plan: EncodePlan): Promise<EncodeOutcome> {
  const outcome = await runEncode(deps, plan);
  if (deps.counters) deps.counters.ffmpeg_seconds += outcome.run.elapsedMs / 1000;
  await handBackIfSessionRefused(deps, plan, outcome);
  return outcome;
}

/** NVDEC refused the input at run time: the same job again, decoded on the CPU (ADR 0017). */
async function onCpuDecode(deps: ProcessorDeps, plan: EncodePlan, outcome: EncodeOutcome): Promise<EncodePlan> {
  const why = shownPaths(plan, outcome.run.stderrTail.at(-1) ?? `exit status ${outcome.run.exitCode}`);
  if (deps.counters) deps.counters.gpu_decode_fallbacks += 1;
  plan.log.warn({ reason: why }, "NVDEC could not decode the input: running again with CPU decoding");
  await plan.jobLog(`NVDEC could not decode the input (${why}): running again with CPU decoding`);
  await rm(plan.tempPath, { force: true });
  return withCpuDecode(plan, `NVDEC could not decode the input (${why}): decoded on the CPU`);
}

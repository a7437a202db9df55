import type { FileHandle } from "node:fs/promises";
import type { ConvertJobReturn } from "@converter/shared/queue";
import type { Job } from "bullmq";
import { createFileIn } from "../media-files/open-beneath.js";
import { type AdmittedJob, admitJob } from "./admit-job.js";
import { refuseWhenPlainlyFull } from "./disk-space.js";
import { fileFailure, withoutNodePaths } from "./file-failure.js";
import { handBackIfSessionRefused, nvdecRefused } from "./gpu-run-outcome.js";
import type { InputVerdict } from "./input-verdict.js";
import { isDecidedOutcome, transient } from "./job-failure.js";
import { finishedResult } from "./job-result.js";
import { type EncodePlan, planEncode, type RunningEncode, withCpuDecode } from "./plan-encode.js";
import { probeFirst } from "./probe-first.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { publishOutput } from "./publish-output.js";
import { type EncodeOutcome, runEncode } from "./run-encode.js";
import { settleRun } from "./settle-run.js";
import { shownPaths } from "./shown-paths.js";
import { decideStreamCopy } from "./stream-copy.js";
import { removeIn } from "./temporary-files.js";
import { verifyOutput } from "./verify-output.js";

export type { ProcessorDeps } from "./processor-deps.js";

type Run = { job: Job; token: string | undefined; signal: AbortSignal | undefined };

/**
 * Converts one job, as a sequence of steps each in its own module: admit it
 * (payload, cancel, paths, its files opened by descriptor, an earlier run's
 * output), probe the input first when a stream might be copied, plan the
 * encode (encoder, decode path, arguments), run ffmpeg
 * with the probe and the watchdog, settle how it ended, verify the file,
 * publish it. Every failure on the way is a PermanentFailure or
 * TransientFailure with the code the client sees.
 */
export function createConvertProcessor(deps: ProcessorDeps) {
  return async function convert(job: Job, token?: string, signal?: AbortSignal): Promise<ConvertJobReturn> {
    let admission: Awaited<ReturnType<typeof admitJob>>;
    try {
      admission = await admitJob(deps, job);
    } catch (error) {
      throw asJobFailure(error, deps, job);
    }
    if (admission.kind === "already_published") return admission.result;
    try {
      return await convertAdmitted(deps, admission.job, { job, token, signal });
    } finally {
      await admission.job.files.close();
    }
  };
}

/** Per stream, copied or encoded: decided before ffmpeg when the probe came first, told from the probe otherwise. */
function streamOutcomes(plan: EncodePlan, verdict: InputVerdict) {
  if (plan.early) return plan.early.copy.streams;
  return verdict.kind === "usable" ? decideStreamCopy(verdict.info, plan.data).streams : undefined;
}

async function convertAdmitted(deps: ProcessorDeps, admitted: AdmittedJob, run: Run): Promise<ConvertJobReturn> {
  let plan: EncodePlan;
  try {
    const early = await probeFirst(deps, admitted);
    plan = await planEncode(deps, admitted, run, early);
  } catch (error) {
    throw asJobFailure(error, deps, run.job);
  }
  let temp: FileHandle | undefined;
  try {
    // The file first: a folder the worker cannot write at all is the job's failure, not a full disk.
    temp = await createFileIn(admitted.files.outputDir, plan.tempName);
    await refuseWhenPlainlyFull(admitted.files, admitted.data.options, admitted.data.output);
    let running: RunningEncode = { ...plan, temp };
    let outcome = await encode(deps, running);
    if (nvdecRefused(running, outcome)) {
      running = await onCpuDecode(deps, running, outcome);
      outcome = await encode(deps, running);
    }
    const tempFile = await settleRun(running, outcome, deps.stallTimeoutMs);
    // settleRun let only a usable input's run through.
    const input = outcome.verdict.kind === "usable" ? outcome.verdict.info : undefined;
    if (!input) throw new Error("settled a run whose input was not usable");
    const info = await verifyOutput(deps, running, input);
    await publishOutput(running, tempFile, deps.isCancelRequested);
    return await finishedResult(deps.workerName, running, {
      encoder: running.encoder,
      pipeline: running.pipeline,
      elapsedMs: outcome.run.elapsedMs,
      info,
      size: tempFile.size,
      streams: streamOutcomes(running, outcome.verdict),
    });
  } catch (error) {
    // A failed run leaves neither the target nor its temporary file.
    await removeIn(admitted.files.outputDir, plan.tempName).catch(() => undefined);
    throw asJobFailure(error, deps, run.job, (text) => shownPaths(plan, text));
  } finally {
    await temp?.close();
    plan.releaseNvenc();
  }
}

/**
 * Any error as the failure the client sees: decided outcomes as they are, a
 * filesystem refusal about the output as its permanent failure, anything
 * else (our bug, the machine's trouble) logged whole here and retried as a
 * worker_error without this node's paths.
 */
export function asJobFailure(error: unknown, deps: ProcessorDeps, job: Job, shown?: (text: string) => string): unknown {
  if (isDecidedOutcome(error)) return error;
  const output: unknown = job.data?.output;
  const known = typeof output === "string" ? fileFailure(error, output) : undefined;
  if (known) return known;
  deps.log.error({ err: error, job_id: job.id }, "unexpected error while converting");
  const message = error instanceof Error ? error.message : String(error);
  return transient("worker_error", withoutNodePaths(shown ? shown(message) : message, deps.mediaRoot));
}

/** One ffmpeg run, counted, and handed back to the queue when the driver had no NVENC session for it. */
async function encode(deps: ProcessorDeps, plan: RunningEncode): Promise<EncodeOutcome> {
  const outcome = await runEncode(deps, plan);
  if (deps.counters) deps.counters.ffmpeg_seconds += outcome.run.elapsedMs / 1000;
  await handBackIfSessionRefused(deps, plan, outcome);
  return outcome;
}

/**
 * NVDEC refused the input at run time: the same job again, decoded on the
 * CPU (ADR 0017), into the same temporary file (ffmpeg truncates it when it
 * opens it again).
 */
async function onCpuDecode(deps: ProcessorDeps, plan: RunningEncode, outcome: EncodeOutcome): Promise<RunningEncode> {
  const why = shownPaths(plan, outcome.run.stderrTail.at(-1) ?? `exit status ${outcome.run.exitCode}`);
  if (deps.counters) deps.counters.gpu_decode_fallbacks += 1;
  plan.log.warn({ reason: why }, "NVDEC could not decode the input: running again with CPU decoding");
  await plan.jobLog(`NVDEC could not decode the input (${why}): running again with CPU decoding`);
  return withCpuDecode(plan, `NVDEC could not decode the input (${why}): decoded on the CPU`);
}

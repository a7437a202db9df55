import type { ProbeOutcome } from "@converter/shared/probe";
import type { AdmittedJob } from "./admit-job.js";
import { type InputVerdict, judgeInput, verdictFailure } from "./input-verdict.js";
import { transient } from "./job-failure.js";
import { type ProcessorDeps, probeFile } from "./processor-deps.js";
import { shownPaths } from "./shown-paths.js";
import { type CopyPlan, decideStreamCopy, whyNoCopy } from "./stream-copy.js";

/** The input's verdict, known before ffmpeg starts, and what it means for each stream. */
export type EarlyProbe = { verdict: Extract<InputVerdict, { kind: "usable" }>; copy: CopyPlan };

/**
 * Between admission and the plan, for a job where a stream might be copied:
 * ffmpeg's arguments then depend on what the input holds, so the probe runs
 * first instead of alongside ffmpeg (ADR 0022 amends ADR 0006). A job no copy
 * could serve (trims, stream_copy never, nothing encoded) gets undefined and
 * keeps the probe alongside. An unusable input fails here, before ffmpeg.
 */
export async function probeFirst(
  deps: Pick<ProcessorDeps, "ffprobePath" | "probe">,
  admitted: AdmittedJob,
): Promise<EarlyProbe | undefined> {
  if (whyNoCopy(admitted.data) !== undefined) return undefined;
  let probe: ProbeOutcome;
  try {
    probe = await probeFile(deps, { fd: admitted.files.input.fd });
  } catch (error) {
    // ffprobe itself cannot run here (FFPROBE_PATH wrong): this worker's fault, not the media's.
    throw transient("worker_error", `ffprobe cannot be run on this worker: ${(error as Error).message}`);
  }
  const verdict = judgeInput(probe, admitted.data.options, admitted.limits);
  // No temporary file exists yet; the target stands in for it in messages.
  const failure = verdictFailure(verdict, (text) => shownPaths({ ...admitted, tempPath: admitted.targetPath }, text));
  if (failure) throw failure;
  if (verdict.kind !== "usable") throw new Error("unreachable: every other verdict is a failure");
  return { verdict, copy: decideStreamCopy(verdict.info, admitted.data) };
}

import { formatCommandLine } from "@converter/shared/ffmpeg";
import type { JobProgress } from "@converter/shared/queue";
import { expectedDuration, type ProgressReport, ProgressTracker } from "../ffmpeg/progress-tracker.js";
import { type FfmpegOutcome, runFfmpeg } from "../ffmpeg/run-ffmpeg.js";
import { fdPath } from "../media-files/descriptor-paths.js";
import { describeMedia, type InputVerdict, judgeInput } from "./input-verdict.js";
import { transient } from "./job-failure.js";
import type { EncodePlan, RunningEncode } from "./plan-encode.js";
import { type ProcessorDeps, probeFile } from "./processor-deps.js";
import { watchForStall } from "./stall-watchdog.js";
import { type StopReason, stopReasonOf } from "./stop-reason.js";

/** How an encode ended: ffmpeg's exit, the input probe's verdict, and who stopped it, if anyone did. */
export type EncodeOutcome = {
  run: FfmpegOutcome;
  verdict: InputVerdict;
  /** Set when ffmpeg was stopped from outside (a cancel, the stall watchdog, the worker stopping). */
  stopReason: StopReason | undefined;
};

/**
 * Step 3 of a run: ffmpeg into the temporary file, with ffprobe judging the
 * input alongside (ADR 0006: the probe's verdict still decides, and stops
 * ffmpeg when the input is unusable or over a limit), the stall watchdog
 * watching, progress reported through the queue, and BullMQ's signal
 * forwarded.
 */
export async function runEncode(deps: ProcessorDeps, plan: RunningEncode): Promise<EncodeOutcome> {
  void plan.jobLog(formatCommandLine(deps.ffmpegPath, plan.args));
  void plan.jobLog(`fd 3 is the input ${plan.data.input}, fd 4 the temporary output beside ${plan.data.output}`);
  const stop = new AbortController();
  const stopWith = (reason: StopReason | undefined) => {
    if (!stop.signal.aborted) stop.abort(reason);
  };
  const forwardAbort = () => stopWith(stopReasonOf(plan.signal?.reason));
  plan.signal?.addEventListener("abort", forwardAbort, { once: true });
  if (plan.signal?.aborted) forwardAbort();
  const watchdog = watchForStall({
    // The descriptor's path: still this run's file if someone renames or removes its name.
    outputPath: fdPath(plan.temp.fd),
    stallTimeoutMs: deps.stallTimeoutMs,
    onStall: () => stopWith("stalled"),
  });
  const tracker = new ProgressTracker(null, deps.progressIntervalMs ?? 1000);
  const report = progressReporter(deps, plan);
  const judging = judgeInputAlongside(deps, plan, tracker, () => stopWith("input_rejected"));

  let run: FfmpegOutcome;
  try {
    run = await runFfmpeg({
      ffmpegPath: deps.ffmpegPath,
      ...(deps.startFfmpeg ? { start: deps.startFfmpeg } : {}),
      args: plan.args,
      fds: [plan.files.input.fd, plan.temp.fd],
      signal: stop.signal,
      timeoutMs: plan.limits.jobTimeoutSeconds * 1000,
      onSpawn: (pid) => {
        plan.log.info(
          // pino's base fields carry the worker's own pid.
          {
            ffmpeg_pid: pid,
            encoder: plan.encoder,
            pipeline: plan.pipeline,
            input: plan.data.input,
            output: plan.data.output,
          },
          "ffmpeg started",
        );
        void plan.jobLog(`ffmpeg started at ${new Date().toISOString()} (pid ${pid})`);
        report({ percent: 0, fps: null, speed: null, eta_seconds: null });
      },
      onProgress: (sample) => {
        watchdog.noteOutTime(sample.outTimeSeconds);
        const next = tracker.next(sample);
        if (next) report(next);
      },
      onStderrLine: (line) => plan.jobLog.meanwhile(line),
    });
  } catch (error) {
    await judging;
    throw transient("worker_error", `ffmpeg cannot be run on this worker: ${(error as Error).message}`);
  } finally {
    watchdog.stop();
    plan.signal?.removeEventListener("abort", forwardAbort);
  }
  const verdict = await judging;
  for (const line of run.unloggedTail) await plan.jobLog(line);
  await plan.jobLog(
    `ffmpeg exited with ${run.signal ? `signal ${run.signal}` : `status ${run.exitCode}`} after ${(run.elapsedMs / 1000).toFixed(2)} s`,
  );
  return { run, verdict, stopReason: run.aborted ? stopReasonOf(stop.signal.reason) : undefined };
}

/** Sends progress through the queue; a failed report is logged, never fatal to the encode. */
function progressReporter(deps: ProcessorDeps, plan: RunningEncode): (p: ProgressReport) => void {
  return (p) =>
    void plan.job
      .updateProgress({
        ...p,
        encoder: plan.encoder,
        worker: deps.workerName,
        pipeline: plan.pipeline,
      } satisfies JobProgress)
      .catch((error) => plan.log.warn({ err: error }, "could not report progress"));
}

/**
 * Probes the input while ffmpeg runs. A verdict other than usable stops
 * ffmpeg at once; a usable one gives the tracker the duration that turns
 * encoded time into a percentage.
 */
async function judgeInputAlongside(
  deps: ProcessorDeps,
  plan: RunningEncode,
  tracker: ProgressTracker,
  reject: () => void,
): Promise<InputVerdict> {
  let verdict: InputVerdict;
  try {
    // Probed before ffmpeg already when a copy was possible (ADR 0022).
    verdict =
      plan.early?.verdict ??
      judgeInput(await probeFile(deps, { fd: plan.files.input.fd }), plan.data.options, plan.limits);
  } catch (error) {
    // ffprobe itself cannot run here (FFPROBE_PATH wrong): this worker's fault, not the media's.
    verdict = { kind: "broken", reason: `ffprobe cannot be run on this worker: ${(error as Error).message}` };
  }
  if (verdict.kind !== "usable") {
    reject();
    return verdict;
  }
  tracker.setDuration(expectedDuration(verdict.info.durationSeconds, plan.data.options));
  void plan.jobLog(
    `worker ${deps.workerName}, attempt ${plan.job.attemptsMade + 1}: input ${describeMedia(verdict.info)}; ${describeWork(plan)}${describePipeline(plan)}`,
  );
  return verdict;
}

/** "encoder libx264", or per stream when the probe came first: "video copied, audio encoded". */
function describeWork(plan: EncodePlan): string {
  if (!plan.early) return `encoder ${plan.encoder ?? plan.data.options.video_codec}`;
  return plan.early.copy.streams
    .map((s) =>
      s.type === "video" && s.action === "encoded" ? `video encoded with ${plan.encoder}` : `${s.type} ${s.action}`,
    )
    .join(", ");
}

/** ", decode nvdec, scale scale_cuda" for the job log; empty without a video encode. */
function describePipeline(plan: EncodePlan): string {
  const p = plan.pipeline;
  if (!p) return "";
  return `, decode ${p.decode}${p.scale ? `, scale ${p.scale}` : ""}${p.note ? ` (${p.note})` : ""}`;
}

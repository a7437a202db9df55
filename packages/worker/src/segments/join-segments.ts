import path from "node:path";
import { MUXERS } from "@converter/shared/ffmpeg";
import { CANCELLED_BY_CLIENT } from "@converter/shared/jobs";
import { probeStreamCounts } from "@converter/shared/probe";
import {
  ConvertJobReturn,
  type SegmentPlan,
  segmentListName,
  segmentOutputPath,
  segmentRefs,
} from "@converter/shared/queue";
import type { Job } from "bullmq";
import { runFfmpeg } from "../ffmpeg/run-ffmpeg.js";
import type { AdmittedJob } from "../lifecycle/admit-job.js";
import { withoutNodePaths } from "../lifecycle/file-failure.js";
import { PermanentFailure, permanent, transient } from "../lifecycle/job-failure.js";
import { finishedResult } from "../lifecycle/job-result.js";
import { type ProcessorDeps, probeFile } from "../lifecycle/processor-deps.js";
import { publishOutput } from "../lifecycle/publish-output.js";
import { exitFailure, timeoutFailure } from "../lifecycle/settle-run.js";
import { stopReasonOf } from "../lifecycle/stop-reason.js";
import { removeIn, temporaryName } from "../lifecycle/temporary-files.js";
import { createFileIn } from "../media-files/open-beneath.js";
import { buildJoinArgs, concatList } from "./join-args.js";
import { joinProblem } from "./verify-join.js";

/** In ffmpeg's view: fd 3 is the output's folder (the parts are read through it), fd 4 the temporary output. */
const DIR_FD_PATH = "/dev/fd/3";
const OUTPUT_FD_PATH = "/dev/fd/4";

type Run = { job: Job; token: string | undefined; signal: AbortSignal | undefined };

/**
 * The parent of a segmented job (docs/adr/0026-split-and-parallel-encoding.md),
 * run by BullMQ once every child completed: join the video parts end to end
 * and mux the audio, both copied; verify frame count, duration and start;
 * publish like a single-pass run (temporary file, then link or rename);
 * remove the parts. A permanent failure removes the parts too; a transient
 * one leaves them for the join's next attempt.
 */
export async function joinSegments(
  deps: ProcessorDeps,
  admitted: AdmittedJob,
  plan: SegmentPlan,
  run: Run,
): Promise<ConvertJobReturn> {
  const { data, files } = admitted;
  const runId = run.token?.slice(0, 8) ?? "join";
  const tempName = temporaryName(files.targetName, data.job_id, runId);
  const listName = segmentListName(data.job_id);
  const parts = segmentRefs(plan).map((ref) => ({
    ref,
    name: path.posix.basename(segmentOutputPath(data.output, data.job_id, ref)),
  }));
  const videoParts = parts.filter((p) => p.ref.kind === "video").map((p) => `${DIR_FD_PATH}/${p.name}`);
  const audioPart = parts.find((p) => p.ref.kind === "audio");
  const children = await childReturns(run.job);
  const temp = await createFileIn(files.outputDir, tempName);
  try {
    const list = await createFileIn(files.outputDir, listName);
    await list.writeFile(concatList(videoParts)).finally(() => list.close());
    const args = buildJoinArgs({
      listPath: `${DIR_FD_PATH}/${listName}`,
      audioPath: audioPart ? `${DIR_FD_PATH}/${audioPart.name}` : null,
      outputPath: OUTPUT_FD_PATH,
      container: data.options.container,
      muxer: MUXERS[data.options.container],
    });
    await admitted.jobLog(`joining ${videoParts.length} video segments${audioPart ? " and the audio" : ""}`);
    const ran = await runFfmpeg({
      ffmpegPath: deps.ffmpegPath,
      ...(deps.startFfmpeg ? { start: deps.startFfmpeg } : {}),
      args,
      fds: [files.outputDir.fd, temp.fd],
      ...(run.signal ? { signal: run.signal } : {}),
      timeoutMs: admitted.limits.jobTimeoutSeconds * 1000,
    });
    if (ran.timedOut) throw timeoutFailure(admitted.limits.jobTimeoutSeconds);
    if (ran.aborted && stopReasonOf(run.signal?.reason) === "cancelled") {
      throw permanent(CANCELLED_BY_CLIENT.code, CANCELLED_BY_CLIENT.message);
    }
    if (ran.aborted) throw transient("worker_error", "the join was stopped; it runs again");
    // As a single pass's end: a full disk is retried (the parts stay for it), the rest is final.
    const failed = exitFailure(ran, {
      output: data.output,
      container: data.options.container,
      shown: (text) => `joining the segments: ${withoutNodePaths(text, deps.mediaRoot)}`,
    });
    if (failed) throw failed;
    const joined = await probeStreamCounts(deps.ffprobePath, { fd: temp.fd });
    const problem = joined ? joinProblem(plan, joined) : "the joined output is unreadable";
    const probed = await probeFile(deps, { fd: temp.fd });
    if (problem || !probed.ok) {
      throw permanent("ffmpeg_failed", problem ?? "the joined output is unreadable");
    }
    await admitted.jobLog(
      `verified: ${joined?.video?.packets} frames as a single pass has, ${joined?.video?.duration} s, audio and video start together`,
    );
    const encoder = children.find((c) => c.encoder !== null)?.encoder ?? null;
    const stat = await temp.stat();
    await publishOutput({ ...admitted, ...run, tempName, encoder }, stat, deps.isCancelRequested);
    await Promise.all(parts.map((p) => removeIn(files.outputDir, p.name).catch(() => undefined)));
    return await finishedResult(deps.workerName, admitted, {
      encoder,
      pipeline: children.find((c) => c.pipeline)?.pipeline ?? null,
      elapsedMs: ran.elapsedMs,
      info: probed.info,
      size: stat.size,
    });
  } catch (error) {
    await removeIn(files.outputDir, tempName).catch(() => undefined);
    if (error instanceof PermanentFailure) {
      await Promise.all(parts.map((p) => removeIn(files.outputDir, p.name).catch(() => undefined)));
    }
    throw error;
  } finally {
    await temp.close();
    await removeIn(files.outputDir, listName).catch(() => undefined);
  }
}

/** What the children returned (encoder, worker, pipeline), read back through the shared schema. */
async function childReturns(job: Job): Promise<ConvertJobReturn[]> {
  const values = await job.getChildrenValues().catch(() => ({}));
  return Object.values(values)
    .map((value) => ConvertJobReturn.safeParse(typeof value === "string" ? JSON.parse(value) : value))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
}

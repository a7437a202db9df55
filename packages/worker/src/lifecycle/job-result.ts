import type { JobResult, VideoPipeline } from "@converter/shared/jobs";
import type { ConvertJobReturn } from "@converter/shared/queue";
import type { MediaInfo } from "../ffmpeg/probe.js";
import type { AdmittedJob } from "./admit-job.js";

/** The job's result from the published file's probe, and the log lines that close the run. */
export async function finishedResult(
  workerName: string,
  admitted: Pick<AdmittedJob, "data" | "jobLog" | "log">,
  published: {
    encoder: string | null;
    pipeline?: VideoPipeline | null;
    elapsedMs: number | null;
    info: MediaInfo;
    size: number;
  },
): Promise<ConvertJobReturn> {
  const { data } = admitted;
  const { info, size, elapsedMs } = published;
  const result: JobResult = {
    output: data.output,
    size_bytes: size,
    duration_seconds: info.durationSeconds !== null ? Math.round(info.durationSeconds * 1000) / 1000 : null,
    video_codec: info.video?.codec ?? null,
    audio_codec: info.audio?.codec ?? null,
    width: info.video?.width ?? null,
    height: info.video?.height ?? null,
  };
  const took = elapsedMs === null ? "(published by an earlier run)" : `in ${(elapsedMs / 1000).toFixed(2)} s`;
  await admitted.jobLog(`completed ${took}: ${data.output} (${size} bytes)`);
  admitted.log.info(
    { elapsed_ms: elapsedMs === null ? null : Math.round(elapsedMs), size_bytes: size, encoder: published.encoder },
    "job completed",
  );
  // An audio-only input through a video preset encoded no video.
  const encodedVideo = result.video_codec !== null;
  return {
    result,
    encoder: encodedVideo ? published.encoder : null,
    worker: workerName,
    pipeline: encodedVideo ? (published.pipeline ?? null) : null,
  };
}

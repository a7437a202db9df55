import { type MediaInfo, probeMedia } from "@converter/shared/probe";
import { permanent } from "./job-failure.js";
import type { EncodePlan } from "./plan-encode.js";
import { shownPaths } from "./shown-paths.js";

/**
 * Step 5 of a run: read the finished temporary file back with ffprobe
 * before anyone can see it. A file ffprobe cannot read, or one without a
 * single audio or video stream, is never published.
 */
export async function verifyOutput(ffprobePath: string, plan: EncodePlan): Promise<MediaInfo> {
  const written = await probeMedia(ffprobePath, plan.tempPath);
  if (!written.ok) {
    throw permanent(
      "ffmpeg_failed",
      `ffmpeg finished but its output is unreadable: ${shownPaths(plan, written.reason)}`,
    );
  }
  if (written.info.streamCount === 0) throw permanent("ffmpeg_failed", "ffmpeg finished but wrote no audio or video");
  return written.info;
}

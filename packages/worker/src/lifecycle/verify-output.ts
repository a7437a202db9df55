import type { MediaInfo } from "../ffmpeg/probe.js";
import { probeMedia } from "../ffmpeg/probe.js";
import { permanent } from "./job-failure.js";
import type { RunningEncode } from "./plan-encode.js";
import { shownPaths } from "./shown-paths.js";

/**
 * Step 5 of a run: read the finished temporary file back with ffprobe
 * before anyone can see it. A file ffprobe cannot read, or one without a
 * single audio or video stream, is never published.
 */
export async function verifyOutput(ffprobePath: string, plan: RunningEncode): Promise<MediaInfo> {
  const written = await probeMedia(ffprobePath, { fd: plan.temp.fd });
  if (!written.ok) {
    throw permanent(
      "ffmpeg_failed",
      `ffmpeg finished but its output is unreadable: ${shownPaths(plan, written.reason)}`,
    );
  }
  if (written.info.streamCount === 0) throw permanent("ffmpeg_failed", "ffmpeg finished but wrote no audio or video");
  return written.info;
}

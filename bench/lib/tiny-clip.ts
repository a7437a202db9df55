import { makeClip } from "../../tests/support/media.js";
import type { Deployment } from "./deployment.js";

/** The input of the measurements that need a job but not its encode: a 0.2 s 160x120 clip. */
export const TINY_INPUT = "incoming/tiny.mkv";

export function makeTinyClip(deployment: Deployment): Promise<string> {
  return makeClip(deployment.media(TINY_INPUT), {
    width: 160,
    height: 120,
    seconds: 0.2,
    ffmpegPath: deployment.workerConfig.ffmpegPath,
  });
}

/** The n-th POST /convert body of a burst of tiny jobs, each to an output of its own (`out/<prefix>-<n>.mp4`). */
export const tinyJobBody = (prefix: string) => (n: number) => ({
  input: TINY_INPUT,
  output: `out/${prefix}-${n}.mp4`,
  preset: "h264",
});

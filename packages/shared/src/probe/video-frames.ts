import { z } from "zod";
import type { VideoFrames } from "../queue/segment-plan.js";
import { inputSafetyArgs } from "./input-safety.js";
import { parseFrameRate } from "./media-info.js";
import { runProbe } from "./probe-media.js";

const PacketsJson = z.object({
  streams: z.array(z.object({ time_base: z.string(), avg_frame_rate: z.string(), r_frame_rate: z.string() })),
  packets: z.array(z.object({ pts: z.number().optional(), dts: z.number().optional(), flags: z.string() })).optional(),
});

/**
 * Every frame time of the input's first video stream, and which are
 * keyframes, from its packets (read, not decoded: a minute of 1080p takes a
 * fraction of a second). Times are floored to the microsecond, so a seek to
 * one never lands after its frame. Undefined when the input has no video
 * or ffprobe cannot list it.
 */
export async function probeVideoFrames(ffprobePath: string, file: string): Promise<VideoFrames | undefined> {
  const args = [
    "-v",
    "error",
    ...inputSafetyArgs(),
    "-select_streams",
    "V:0",
    "-show_entries",
    "packet=pts,dts,flags:stream=time_base,avg_frame_rate,r_frame_rate",
    "-print_format",
    "json",
    `file:${file}`,
  ];
  const run = await runProbe(ffprobePath, args, []);
  if (run.exitCode !== 0) return undefined;
  let parsed: z.infer<typeof PacketsJson>;
  try {
    parsed = PacketsJson.parse(JSON.parse(run.stdout));
  } catch {
    return undefined;
  }
  const stream = parsed.streams[0];
  if (!stream) return undefined;
  // ffprobe's "N/D" ratios, read as the stream view reads frame rates; 0 where unreadable.
  const timeBase = parseFrameRate(stream.time_base) ?? 0;
  const rate = parseFrameRate(stream.avg_frame_rate) ?? parseFrameRate(stream.r_frame_rate) ?? 0;
  if (!timeBase || !rate) return undefined;
  const times: number[] = [];
  const keyframes: number[] = [];
  for (const packet of parsed.packets ?? []) {
    const ts = packet.pts ?? packet.dts;
    if (ts === undefined) continue;
    const t = Math.floor(ts * timeBase * 1e6) / 1e6;
    times.push(t);
    if (packet.flags.startsWith("K")) keyframes.push(t);
  }
  times.sort((a, b) => a - b);
  keyframes.sort((a, b) => a - b);
  return { times, keyframes, frameSeconds: 1 / rate };
}

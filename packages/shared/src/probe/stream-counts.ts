import { z } from "zod";
import { PROBED_FD_PATH, type ProbeSource, runProbe } from "./probe-media.js";

/** Per stream kind: its packets (for video, one per frame), when it starts and how long it lasts, in seconds. */
export type StreamCount = { packets: number; start: number; duration: number | null };
export type StreamCounts = { video: StreamCount | null; audio: StreamCount | null };

const CountsJson = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      nb_read_packets: z.coerce.number().optional(),
      start_time: z.coerce.number().optional(),
      duration: z.coerce.number().optional(),
    }),
  ),
});

/**
 * Counts a file's packets in its first video and first audio stream (read,
 * not decoded), with their start times and lengths: what the join of a
 * segmented job checks before it publishes (ADR 0026). Undefined when
 * ffprobe cannot read the file.
 */
export async function probeStreamCounts(ffprobePath: string, source: ProbeSource): Promise<StreamCounts | undefined> {
  const file = typeof source === "string" ? source : PROBED_FD_PATH;
  const args = [
    "-v",
    "error",
    "-count_packets",
    "-show_entries",
    "stream=codec_type,nb_read_packets,start_time,duration",
  ];
  const run = await runProbe(
    ffprobePath,
    [...args, "-print_format", "json", `file:${file}`],
    typeof source === "string" ? [] : [source.fd],
  );
  if (run.exitCode !== 0) return undefined;
  try {
    const { streams } = CountsJson.parse(JSON.parse(run.stdout));
    const of = (type: string): StreamCount | null => {
      const s = streams.find((stream) => stream.codec_type === type);
      return s ? { packets: s.nb_read_packets ?? 0, start: s.start_time ?? 0, duration: s.duration ?? null } : null;
    };
    return { video: of("video"), audio: of("audio") };
  } catch {
    return undefined;
  }
}

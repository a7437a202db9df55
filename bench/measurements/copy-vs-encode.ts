import { makeClip } from "../../tests/support/media.js";
import type { Measurement } from "../lib/measurement.js";
import { alternatingPairs, pairFigures, seconds } from "../lib/pairs.js";
import { round } from "../lib/stats.js";

const GOAL_RATIO = 0.1;
const INPUT = "incoming/compatible.mp4";

/**
 * An input that already is what the job asks for (H.264 yuv420p + AAC under
 * 128k, in MP4) through preset h264: copied (`stream_copy` auto, the
 * default) against re-encoded (`stream_copy` never), both through the
 * service from POST to completed, in pairs of alternating order.
 */
export const copyVsEncode: Measurement = {
  name: "copy-vs-encode",
  summary: "a compatible 1080p clip through preset h264: copied (stream_copy auto) vs. re-encoded (never)",
  async run({ deployment, options, log }) {
    const { api } = deployment;
    log(`generating a ${options.duration} s 1920x1080 H.264 + AAC clip in MP4`);
    await makeClip(deployment.media(INPUT), {
      width: 1920,
      height: 1080,
      rate: 30,
      seconds: options.duration,
      ffmpegPath: deployment.workerConfig.ffmpegPath,
    });
    const timeoutMs = Math.max(600_000, options.duration * 120_000);
    const convert = (mode: "auto" | "never") => async (n: number) => {
      const t0 = performance.now();
      const jobId = await api.submit({
        input: INPUT,
        preset: "h264",
        output: `out/${mode}-${n}.mp4`,
        stream_copy: mode,
      });
      const job = await api.waitCompleted(jobId, timeoutMs);
      const ms = performance.now() - t0;
      const copied = job.result?.streams?.filter((s) => s.action === "copied").length ?? 0;
      const expected = mode === "auto" ? 2 : 0;
      if (copied !== expected) {
        throw new Error(
          `job ${jobId} (${mode}) copied ${copied} streams, not ${expected}: ${JSON.stringify(job.result)}`,
        );
      }
      return ms;
    };

    const pairs = await alternatingPairs(options.runs, convert("auto"), convert("never"), log);
    deployment.assertRunning();
    const figures = pairFigures(pairs);
    return {
      rows: [
        {
          metric: `${options.duration} s 1080p, copied vs re-encoded, median of ${pairs.length} pair(s)`,
          value: seconds(figures.serviceMs),
          baseline: `${seconds(figures.baselineMs)} (re-encode)`,
          ratio: figures.ratio,
          goal: `< ${GOAL_RATIO}`,
          goalMet: figures.ratio < GOAL_RATIO,
        },
      ],
      notes: [
        `per pair (copy / re-encode): ${pairs.map((p) => `${seconds(p.serviceMs)} / ${seconds(p.baselineMs)} (${p.order})`).join(", ")}`,
      ],
      data: {
        ratio: round(figures.ratio, 4),
        copy_ms: round(figures.serviceMs, 1),
        encode_ms: round(figures.baselineMs, 1),
        goal_ratio: GOAL_RATIO,
        pairs: figures.data,
      },
    };
  },
};

import { cpus } from "node:os";
import { makeClip } from "../../tests/support/media.js";
import type { Measurement } from "../lib/measurement.js";
import { seconds } from "../lib/pairs.js";
import { median, round } from "../lib/stats.js";

const INPUT = "incoming/long.mp4";
const GOAL_SPEEDUP = 1.7;
const GOAL_OVERHEAD = 1.1;

/**
 * Split-and-parallel encoding (docs/adr/0026-split-and-parallel-encoding.md),
 * all in one run on the same clip and options: a worker pinned to core 0
 * encodes it in a single pass, then segmented; a second worker pinned to
 * core 1 joins, and the segmented job runs again on both. The speed-up is
 * single-pass on one worker over segmented on two; the overhead is
 * segmented over single-pass, both on one worker. From POST to completed,
 * through the service.
 */
export const segmentedEncoding: Measurement = {
  name: "segmented-encoding",
  summary: "a 1080p clip: single-pass vs segmented on one pinned worker, and segmented on two (taskset)",
  deployment: { workerCpu: 0 },
  skip: () => (cpus().length < 2 ? "needs two CPU cores (one per worker)" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    log(`generating a ${options.duration} s 1920x1080 clip, a keyframe every second`);
    await makeClip(deployment.media(INPUT), {
      width: 1920,
      height: 1080,
      rate: 30,
      gop: 30,
      seconds: options.duration,
      ffmpegPath: deployment.workerConfig.ffmpegPath,
    });
    // About eight segments: enough for two workers to share evenly.
    const length = Math.max(1, Math.round(options.duration / 8));
    const timeoutMs = Math.max(600_000, options.duration * 120_000);
    const convert = async (name: string, segmented: boolean): Promise<{ ms: number; job: unknown }> => {
      const t0 = performance.now();
      const jobId = await api.submit({
        input: INPUT,
        preset: "h264",
        output: `out/${name}.mp4`,
        stream_copy: "never",
        ...(segmented ? { options: { segments: length } } : {}),
      });
      const job = await api.waitCompleted(jobId, timeoutMs);
      const ms = performance.now() - t0;
      log(`${name}: ${seconds(ms)}`);
      return { ms, job };
    };

    const single: number[] = [];
    const oneWorker: number[] = [];
    for (let n = 0; n < options.runs; n++) {
      // Alternating order, so neither always runs on a warmer machine.
      const a = n % 2 === 0;
      const first = await convert(`${a ? "single" : "seg1"}-${n}`, !a);
      const second = await convert(`${a ? "seg1" : "single"}-${n}`, a);
      single.push((a ? first : second).ms);
      oneWorker.push((a ? second : first).ms);
    }
    log("starting a second worker pinned to core 1");
    await deployment.addWorker(`${deployment.queueName}-worker-2`, 1);
    const twoWorkers: number[] = [];
    let last: unknown;
    for (let n = 0; n < options.runs; n++) {
      const run = await convert(`seg2-${n}`, true);
      twoWorkers.push(run.ms);
      last = run.job;
    }
    deployment.assertRunning();

    const t1 = median(single) ?? Number.NaN;
    const tSeg1 = median(oneWorker) ?? Number.NaN;
    const tSeg2 = median(twoWorkers) ?? Number.NaN;
    const speedup = t1 / tSeg2;
    const overhead = tSeg1 / t1;
    const children = (last as { segments?: { children: { worker: string | null }[] } } | undefined)?.segments?.children;
    const workers = [...new Set(children?.map((c) => c.worker) ?? [])];
    return {
      rows: [
        {
          metric: `${options.duration} s 1080p: single pass on 1 worker over segmented on 2 (speed-up)`,
          value: `${seconds(tSeg2)} (segmented, 2 workers)`,
          baseline: `${seconds(t1)} (single pass, 1 worker)`,
          ratio: round(speedup, 3) ?? speedup,
          goal: `>= ${GOAL_SPEEDUP}`,
          goalMet: speedup >= GOAL_SPEEDUP,
        },
        {
          metric: `${options.duration} s 1080p: segmented over single pass, 1 worker (overhead)`,
          value: `${seconds(tSeg1)} (segmented, 1 worker)`,
          baseline: `${seconds(t1)} (single pass, 1 worker)`,
          ratio: round(overhead, 3) ?? overhead,
          goal: `<= ${GOAL_OVERHEAD}`,
          goalMet: overhead <= GOAL_OVERHEAD,
        },
      ],
      notes: [
        `segments of ${length} s (${children?.length ?? "?"} children, audio included), run by ${workers.join(", ")}`,
        `per run: single ${single.map(seconds).join(", ")}; segmented on 1 worker ${oneWorker.map(seconds).join(", ")}; segmented on 2 workers ${twoWorkers.map(seconds).join(", ")}`,
        "workers pinned with taskset -c 0 and -c 1; the API is not pinned",
      ],
      data: {
        speedup: round(speedup, 4),
        overhead: round(overhead, 4),
        single_ms: single.map((ms) => round(ms, 1)),
        segmented_one_worker_ms: oneWorker.map((ms) => round(ms, 1)),
        segmented_two_workers_ms: twoWorkers.map((ms) => round(ms, 1)),
        segment_seconds: length,
        children: children?.length ?? null,
        workers,
      },
    };
  },
};

import { cpus, loadavg } from "node:os";
import { makeClip } from "../../tests/support/media.js";
import type { Measurement } from "../lib/measurement.js";
import { seconds } from "../lib/pairs.js";
import { cpuSeconds } from "../lib/process-cpu.js";
import { median, round } from "../lib/stats.js";

const INPUT = "incoming/long.mp4";
const GOAL_SPEEDUP = 1.7;
const GOAL_OVERHEAD = 1.1;

/** How many cores a phase's workers had on average: their CPU seconds over the wall seconds. */
function cores(cpu: readonly number[] | undefined, wallMs: readonly number[]): string {
  const used = (cpu ?? []).reduce((a, b) => a + b, 0);
  const wall = wallMs.reduce((a, b) => a + b, 0) / 1000;
  return wall > 0 ? (used / wall).toFixed(2) : "?";
}

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
    // About sixteen segments: two workers share them within one segment of even (eight apiece, or eight and seven).
    const length = Math.max(1, Math.round(options.duration / 16));
    const timeoutMs = Math.max(600_000, options.duration * 120_000);
    const load = () =>
      loadavg()
        .map((n) => n.toFixed(1))
        .join(" ");
    const loadBefore = load();
    const workersCpu = () =>
      deployment.workerPids.reduce((sum, pid) => {
        const { self, children } = cpuSeconds(pid);
        return sum + self + children;
      }, 0);
    const cpu: Record<string, number[]> = { single: [], seg1: [], seg2: [] };
    const convert = async (name: string, segmented: boolean): Promise<{ ms: number; job: unknown }> => {
      const c0 = workersCpu();
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
      const used = workersCpu() - c0;
      cpu[name.split("-")[0] ?? name]?.push(used);
      log(`${name}: ${seconds(ms)}, ${used.toFixed(2)} CPU s in the workers and their ffmpeg, load ${load()}`);
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
    const cpuSingle = median(cpu.single ?? []) ?? Number.NaN;
    const cpuOverhead = (median(cpu.seg1 ?? []) ?? Number.NaN) / cpuSingle;
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
        {
          metric: `${options.duration} s 1080p: CPU seconds, segmented over single pass, 1 worker (context)`,
          value: `${(median(cpu.seg1 ?? []) ?? Number.NaN).toFixed(2)} CPU s (segmented)`,
          baseline: `${cpuSingle.toFixed(2)} CPU s (single pass)`,
          ratio: round(cpuOverhead, 3) ?? cpuOverhead,
          goal: null,
          goalMet: null,
        },
      ],
      notes: [
        `load average (1, 5, 15 min) before: ${loadBefore}; after: ${load()} on ${cpus().length} cores`,
        `cores the workers got (CPU s / wall s): single pass ${cores(cpu.single, single)}, segmented on 1 worker ${cores(cpu.seg1, oneWorker)}, on 2 workers ${cores(cpu.seg2, twoWorkers)}; the speed-up can be no more than the ratio of the last to the first while other processes share the cores`,
        `CPU seconds per run (workers and their ffmpeg/ffprobe): single ${cpu.single?.map((c) => c.toFixed(2)).join(", ")}; segmented on 1 worker ${cpu.seg1?.map((c) => c.toFixed(2)).join(", ")}; on 2 workers ${cpu.seg2?.map((c) => c.toFixed(2)).join(", ")}`,
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
        cpu_seconds: cpu,
        cpu_overhead: round(cpuOverhead, 4),
        load_before: loadBefore,
        load_after: load(),
        children: children?.length ?? null,
        workers,
      },
    };
  },
};

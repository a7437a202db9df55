import { setTimeout as sleep } from "node:timers/promises";
import { absoluteRow, type Measurement } from "../lib/measurement.js";
import { rssMb } from "../lib/process-memory.js";
import { round } from "../lib/stats.js";
import { makeTinyClip, TINY_INPUT } from "../lib/tiny-clip.js";

const SAMPLE_MS = 10_000;
const SUBMISSIONS_PER_SECOND = 5;
const READERS = 8;
const GOAL_RSS_MB = 100;
/** A leak of 1 MB a minute would be 1.4 GB a day; what is left (GC timing, SQLite's page cache filling) stays under it. */
const GOAL_SLOPE_MB_PER_MIN = 0.5;

/**
 * The API's memory over a soak of mixed traffic: a submission every 200 ms
 * (tiny jobs the worker copies) and eight clients reading without pause
 * (GET /status of the latest job, GET /jobs, GET /), with the API's RSS
 * sampled every 10 s. The slope is a least-squares fit over the samples after
 * the first minute (start-up and JIT warm-up are not a leak).
 */
export const memorySoak: Measurement = {
  name: "memory-soak",
  summary: "API RSS sampled every 10 s over mixed reads and submissions (--soak-seconds): slope and peak",
  deployment: { env: { MAX_QUEUED_JOBS: "100000" } },
  skip: (options) => (options.soakSeconds === 0 ? "--soak-seconds 0" : undefined),
  async run({ deployment, options, log }) {
    const { api } = deployment;
    await makeTinyClip(deployment);
    let latest = await api.submit({ input: TINY_INPUT, output: "out/soak-0.mp4" });
    await api.waitCompleted(latest, 60_000);
    const end = performance.now() + options.soakSeconds * 1000;
    const samples: { seconds: number; mb: number }[] = [];
    const t0 = performance.now();
    const sample = () => samples.push({ seconds: (performance.now() - t0) / 1000, mb: rssMb(deployment.apiPid) });
    sample();
    const sampler = setInterval(() => {
      sample();
      const last = samples.at(-1);
      if (last) log(`${Math.round(last.seconds)} s: API RSS ${last.mb} MB`);
    }, SAMPLE_MS);
    let submitted = 1;
    let reads = 0;
    const submitter = async () => {
      while (performance.now() < end) {
        latest = await api.submit({ input: TINY_INPUT, output: `out/soak-${submitted++}.mp4` });
        await sleep(1000 / SUBMISSIONS_PER_SECOND);
      }
    };
    const reader = async (n: number) => {
      const routes = () => [`/status/${latest}`, "/jobs?limit=20", "/"];
      while (performance.now() < end) {
        const route = routes()[(reads + n) % 3] as string;
        const answer = await api.request("GET", route);
        if (answer.status !== 200) throw new Error(`GET ${route} answered ${answer.status}`);
        reads++;
      }
    };
    try {
      await Promise.all([submitter(), ...Array.from({ length: READERS }, (_, n) => reader(n))]);
    } finally {
      clearInterval(sampler);
    }
    sample();
    deployment.assertRunning();

    const settled = samples.filter((s) => s.seconds >= 60);
    const fitted = settled.length >= 3 ? settled : samples;
    const slope = slopePerMinute(fitted);
    const peak = Math.max(...samples.map((s) => s.mb));
    const last = samples.at(-1)?.mb ?? Number.NaN;
    return {
      rows: [
        absoluteRow(
          `API RSS slope over a ${options.soakSeconds} s soak (after the first minute)`,
          `${round(slope, 3)} MB/min`,
          `<= ${GOAL_SLOPE_MB_PER_MIN} MB/min`,
          slope <= GOAL_SLOPE_MB_PER_MIN,
        ),
        absoluteRow("API RSS peak during the soak", `${peak} MB`, `<= ${GOAL_RSS_MB} MB`, peak <= GOAL_RSS_MB),
      ],
      notes: [
        `${submitted} submissions and ${reads} reads in ${options.soakSeconds} s; RSS ${samples[0]?.mb} MB at the start, ${last} MB at the end, peak ${peak} MB`,
        `samples (s: MB): ${samples.map((s) => `${Math.round(s.seconds)}: ${s.mb}`).join(", ")}`,
      ],
      data: { slope_mb_per_min: round(slope, 4), peak_mb: peak, submitted, reads, samples },
    };
  },
};

/** Least-squares slope of RSS over time, in MB per minute. */
function slopePerMinute(samples: readonly { seconds: number; mb: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = samples.reduce((sum, s) => sum + s.seconds, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.seconds - meanX) * (s.mb - meanY);
    den += (s.seconds - meanX) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

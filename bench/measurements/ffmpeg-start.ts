import type { ProcessStarter } from "../../packages/worker/src/ffmpeg/process-starter.js";
import { runFfmpeg } from "../../packages/worker/src/ffmpeg/run-ffmpeg.js";
import { SpawnerProcess } from "../../packages/worker/src/ffmpeg/spawner-process.js";
import { FFMPEG_SPAWNER_BINARY } from "../../packages/worker/src/ffmpeg/start-spawner.js";
import type { Measurement } from "../lib/measurement.js";
import { type CpuSeconds, cpuDelta, cpuSeconds } from "../lib/process-cpu.js";
import { rssMb } from "../lib/process-memory.js";
import { median, round } from "../lib/stats.js";

const GOAL_RATIO = 0.5;
const ROUNDS = 3;
/** A program that does nothing: what is measured is the start, not the program. */
const PROGRAM = "/bin/true";

/**
 * What it costs the worker to start one program (ADR 0040): runFfmpeg with
 * the ffmpeg spawner against runFfmpeg with Node's spawn (setpriv in front,
 * as the worker without a spawner does), `--starts` times each, in
 * alternating rounds, from this process grown to the size of the
 * deployment's worker after a warm-up job (a fork's cost grows with the
 * parent's memory). CPU counts this process, the spawner, and every child.
 */
export const ffmpegStart: Measurement = {
  name: "ffmpeg-start",
  summary: "CPU to start a program from a worker-sized process: the ffmpeg spawner / Node's spawn behind setpriv",
  skip: (options) => (options.starts === 0 ? "--starts 0" : undefined),
  async run({ deployment, options, log }) {
    const [worker] = deployment.workerPids;
    if (worker === undefined) throw new Error("no worker is running");
    const workerMb = rssMb(worker);
    // Live objects, as a worker's heap holds: a fork copies the page tables of all of it.
    const ballast: object[] = [];
    while (rssMb(process.pid) < workerMb) {
      for (let i = 0; i < 65_536; i++) ballast.push({ i, text: `ballast ${i}` });
    }
    const spawner = await SpawnerProcess.start(FFMPEG_SPAWNER_BINARY);
    const spawnerPid = spawner.pid as number;
    const starters: Record<"spawner" | "node", ProcessStarter | undefined> = {
      spawner: spawner.start.bind(spawner),
      node: undefined,
    };
    const figures = {
      spawner: [] as number[],
      node: [] as number[],
      spawnerWall: [] as number[],
      nodeWall: [] as number[],
    };
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const name of round % 2 === 1 ? (["spawner", "node"] as const) : (["node", "spawner"] as const)) {
          const start = starters[name];
          const once = () => runFfmpeg({ ffmpegPath: PROGRAM, args: [], ...(start ? { start } : {}) });
          for (let i = 0; i < 10; i++) await once();
          // This process and the spawner, each with the children it reaped.
          const readings = () => [cpuSeconds("self"), cpuSeconds(spawnerPid)];
          const before = readings();
          const t0 = performance.now();
          for (let i = 0; i < options.starts; i++) await once();
          const wall = (performance.now() - t0) / options.starts;
          const used =
            readings().reduce((sum, after, n) => {
              const delta = cpuDelta(before[n] as CpuSeconds, after);
              return sum + delta.self + delta.children;
            }, 0) * 1000;
          figures[name].push(used / options.starts);
          figures[name === "spawner" ? "spawnerWall" : "nodeWall"].push(wall);
          log(`round ${round}, ${name}: ${round2(used / options.starts)} ms of CPU, ${round2(wall)} ms a start`);
        }
      }
    } finally {
      spawner.close();
    }
    const spawnerMs = median(figures.spawner) ?? Number.NaN;
    const nodeMs = median(figures.node) ?? Number.NaN;
    const ratio = spawnerMs / nodeMs;
    return {
      rows: [
        {
          metric: `CPU to start ${PROGRAM} from a ${workerMb} MB process: spawner / Node's spawn`,
          value: `${round2(spawnerMs)} ms`,
          baseline: `${round2(nodeMs)} ms`,
          ratio: round(ratio, 3),
          goal: `<= ${GOAL_RATIO}`,
          goalMet: ratio <= GOAL_RATIO,
        },
      ],
      notes: [
        `CPU per start by round: spawner ${figures.spawner.map(round2).join(", ")} ms; Node ${figures.node.map(round2).join(", ")} ms`,
        `wall time per start: spawner ${figures.spawnerWall.map(round2).join(", ")} ms; Node ${figures.nodeWall.map(round2).join(", ")} ms`,
      ],
      data: { worker_rss_mb: workerMb, starts: options.starts, ...figures },
    };
  },
};

const round2 = (value: number): number => round(value, 2) ?? value;

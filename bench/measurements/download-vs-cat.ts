import { mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Measurement } from "../lib/measurement.js";
import { alternatingPairs, mib, pairFigures, seconds } from "../lib/pairs.js";
import { round } from "../lib/stats.js";
import { syncDisks, timedRun } from "../lib/timed-process.js";

const GOAL_RATIO = 2.0;
const INPUT = "big/raw.mkv";
/** Uncompressed 1080p 4:2:0 frames: big files made fast, since nothing is encoded. */
const FRAME_BYTES = 1920 * 1080 * 1.5;

/**
 * A big job output downloaded over loopback (curl -o from GET
 * /jobs/{id}/output, first byte asked to last byte written) against `cat`
 * of the same file into a file on the same disk, in pairs of alternating
 * order. The output comes from a real job: an uncompressed 1080p clip of
 * about the size asked, remuxed (copied) into Matroska.
 */
export const downloadVsCat: Measurement = {
  name: "download-vs-cat",
  summary: "a 2 GB job output downloaded over loopback (GET /jobs/{id}/output) vs. cat of the file to the same disk",
  skip: (options) => (options.bigMb === 0 ? "--big-mb 0" : undefined),
  async run({ deployment, options, log, signal }) {
    const frames = Math.ceil((options.bigMb * 1024 * 1024) / FRAME_BYTES);
    log(`making a ${frames}-frame uncompressed 1080p clip`);
    mkdirSync(path.dirname(deployment.media(INPUT)), { recursive: true });
    await timedRun(
      deployment.workerConfig.ffmpegPath,
      ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"].concat([
        "-frames:v",
        String(frames),
        "-c:v",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        deployment.media(INPUT),
      ]),
      { signal },
    );
    const jobId = await deployment.api.submit({
      input: INPUT,
      output: "out/raw-copy.mkv",
      preset: "remux-mp4",
      options: { container: "mkv" },
    });
    const job = await deployment.api.waitCompleted(jobId, 600_000);
    const output = deployment.media(job.output);
    const bytes = statSync(output).size;
    const client = path.join(deployment.dir, "client");
    mkdirSync(client, { recursive: true });
    const url = `${deployment.api.baseUrl}/jobs/${jobId}/output`;

    const download = async (n: number) => {
      await syncDisks();
      const target = path.join(client, `download-${n}.mkv`);
      const run = await timedRun("curl", ["-sS", "-f", "-o", target, url], { signal });
      if (statSync(target).size !== bytes)
        throw new Error(`the download has ${statSync(target).size} of ${bytes} bytes`);
      rmSync(target);
      return run.ms;
    };
    const cat = async (n: number) => {
      await syncDisks();
      const target = path.join(client, `cat-${n}.mkv`);
      const run = await timedRun("cat", [output], { signal, stdoutFile: target });
      rmSync(target);
      return run.ms;
    };

    const pairs = await alternatingPairs(options.runs, download, cat, log);
    rmSync(deployment.media(INPUT));
    deployment.assertRunning();
    const figures = pairFigures(pairs);
    return {
      rows: [
        {
          metric: `download of ${mib(bytes)}, median of ${pairs.length} pair(s)`,
          value: seconds(figures.serviceMs),
          baseline: `${seconds(figures.baselineMs)} (cat)`,
          ratio: figures.ratio,
          goal: `<= ${GOAL_RATIO}`,
          goalMet: figures.ratio <= GOAL_RATIO,
        },
      ],
      notes: [
        `per pair (download / cat): ${pairs.map((p) => `${seconds(p.serviceMs)} / ${seconds(p.baselineMs)} (${p.order})`).join(", ")}`,
        `download throughput ${mib(bytes / (figures.serviceMs / 1000))}/s`,
      ],
      data: {
        bytes,
        ratio: round(figures.ratio, 3),
        download_ms: round(figures.serviceMs, 1),
        cat_ms: round(figures.baselineMs, 1),
        goal_ratio: GOAL_RATIO,
        pairs: figures.data,
      },
    };
  },
};

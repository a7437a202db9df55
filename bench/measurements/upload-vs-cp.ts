import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Measurement } from "../lib/measurement.js";
import { alternatingPairs, mib, pairFigures, seconds } from "../lib/pairs.js";
import { rssMb, watchPeakRssMb } from "../lib/process-memory.js";
import { round } from "../lib/stats.js";
import { syncDisks, timedRun } from "../lib/timed-process.js";

const GOAL_RATIO = 2.0;
const GOAL_RSS_GROWTH_MB = 50;

/**
 * A big upload over loopback (curl streaming a file to POST /uploads, from
 * the first byte sent to the 201, which comes once the file is on disk)
 * against `cp` of the same file on the same disk followed by `sync` of the
 * copy, in pairs of alternating order; and how far the API's resident memory
 * rose above where it stood before each upload. The file is random bytes
 * made with `head -c N /dev/urandom`, in the deployment's temp dir.
 */
export const uploadVsCp: Measurement = {
  name: "upload-vs-cp",
  summary: "a 2 GB upload over loopback (POST /uploads) vs. cp + sync of the file on the same disk; API RSS growth",
  skip: (options) => (options.bigMb === 0 ? "--big-mb 0" : undefined),
  async run({ deployment, options, log, signal }) {
    const bytes = options.bigMb * 1024 * 1024;
    const client = path.join(deployment.dir, "client");
    mkdirSync(client, { recursive: true });
    const source = path.join(client, "big.bin");
    log(`writing ${mib(bytes)} of random bytes`);
    await timedRun("head", ["-c", String(bytes), "/dev/urandom"], { signal, stdoutFile: source });
    const apiPid = deployment.services.find((s) => s.name === "api")?.child.pid;
    if (apiPid === undefined) throw new Error("the API process has no pid");
    const rssGrowth: number[] = [];

    const upload = async (n: number) => {
      await syncDisks();
      const answer = path.join(client, `answer-${n}.json`);
      const before = rssMb(apiPid);
      const peak = watchPeakRssMb(apiPid);
      const run = await timedRun(
        "curl",
        [
          "-sS",
          "-f",
          "-X",
          "POST",
          "-H",
          "Content-Type: application/octet-stream",
          "-H",
          "Expect:",
          "-T",
          source,
        ].concat(["-o", answer, `${deployment.api.baseUrl}/uploads?filename=big.bin`]),
        { signal },
      );
      rssGrowth.push(peak.stop() - before);
      const stored = JSON.parse(readFileSync(answer, "utf8")) as { upload_id: string; size_bytes: number };
      if (stored.size_bytes !== bytes) throw new Error(`the upload stored ${stored.size_bytes} of ${bytes} bytes`);
      await deployment.api.request("DELETE", `/uploads/${stored.upload_id}`);
      return run.ms;
    };
    // The service answers 201 once the file is on disk (fsync): the baseline is a copy on disk too.
    const cpOnlyMs: number[] = [];
    const copy = async (n: number) => {
      await syncDisks();
      const target = path.join(client, `copy-${n}.bin`);
      const cp = await timedRun("cp", [source, target], { signal });
      const sync = await timedRun("sync", [target], { signal });
      if (statSync(target).size !== bytes) throw new Error("cp copied another size");
      rmSync(target);
      cpOnlyMs.push(cp.ms);
      return cp.ms + sync.ms;
    };

    const pairs = await alternatingPairs(options.runs, upload, copy, log);
    rmSync(source);
    deployment.assertRunning();
    const figures = pairFigures(pairs);
    const maxGrowth = Math.max(...rssGrowth);
    return {
      rows: [
        {
          metric: `upload of ${mib(bytes)}, median of ${pairs.length} pair(s)`,
          value: seconds(figures.serviceMs),
          baseline: `${seconds(figures.baselineMs)} (cp + sync)`,
          ratio: figures.ratio,
          goal: `<= ${GOAL_RATIO}`,
          goalMet: figures.ratio <= GOAL_RATIO,
        },
        {
          metric: "API RSS growth during the upload, max",
          value: `${maxGrowth.toFixed(1)} MB`,
          baseline: null,
          ratio: null,
          goal: `<= ${GOAL_RSS_GROWTH_MB} MB`,
          goalMet: maxGrowth <= GOAL_RSS_GROWTH_MB,
        },
      ],
      notes: [
        `per pair (upload / cp): ${pairs.map((p) => `${seconds(p.serviceMs)} / ${seconds(p.baselineMs)} (${p.order})`).join(", ")}`,
        `upload throughput ${mib(bytes / (figures.serviceMs / 1000))}/s; RSS growth per upload: ${rssGrowth.map((mb) => `${mb.toFixed(1)} MB`).join(", ")}`,
        `cp alone (into the page cache, nothing on disk yet): ${cpOnlyMs.map(seconds).join(", ")}`,
      ],
      data: {
        bytes,
        ratio: round(figures.ratio, 3),
        upload_ms: round(figures.serviceMs, 1),
        cp_sync_ms: round(figures.baselineMs, 1),
        cp_only_ms: cpOnlyMs.map((ms) => round(ms, 1)),
        rss_growth_mb: rssGrowth,
        goal_ratio: GOAL_RATIO,
        goal_rss_growth_mb: GOAL_RSS_GROWTH_MB,
        pairs: figures.data,
      },
    };
  },
};

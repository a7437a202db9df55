import { parseArgs } from "node:util";

export type BenchOptions = {
  /** Seconds of the generated 1080p clip (service-vs-ffmpeg). */
  duration: number;
  /** Service/direct pairs (service-vs-ffmpeg). */
  runs: number;
  /** Tiny jobs (dispatch-latency); 0 skips it. */
  tinyJobs: number;
  /** MiB of the big file (upload-vs-cp, download-vs-cat); 0 skips both. */
  bigMb: number;
  /** Idle GET /events clients (idle-event-streams). */
  eventClients: number;
  /** Seconds of each HTTP load run (wrk). */
  loadSeconds: number;
  /** POST /convert requests in the submission burst (submission-burst); 0 skips it. */
  submissions: number;
  /** One-second clips converted by two workers and by xargs -P2 (short-jobs); 0 skips it. */
  shortJobs: number;
  /** Seconds of mixed reads and submissions while the API's memory is sampled (memory-soak); 0 skips it. */
  soakSeconds: number;
  /** Jobs queued before the deep samples of queue-depth; 0 skips it. */
  queueDepth: number;
  /** Program starts per round of each way (ffmpeg-start); 0 skips it. */
  starts: number;
  json: boolean;
  /** The measurements to run, by name; null runs all of them. */
  only: string[] | null;
  help: boolean;
};

export class UsageError extends Error {}

export function usage(measurements: readonly { name: string; summary: string }[]): string {
  const width = Math.max(...measurements.map((m) => m.name.length));
  return `usage: pnpm bench [options]       (or: node --import tsx bench/run.ts [options])

  --duration S    length of the generated 1080p clip in seconds (default 20)
  --runs N        pairs of service and baseline runs, for every measurement but dispatch (default 3)
  --tiny-jobs N   tiny jobs for the dispatch latency test (default 50; 0 skips it)
  --big-mb N      MiB of the file uploaded and downloaded (default 2048; 0 skips those tests)
  --event-clients N  idle GET /events clients (default 1000)
  --load-seconds S   length of each HTTP load run with wrk (default 10)
  --submissions N    POST /convert requests at concurrency 50 (default 1100; 0 skips it)
  --short-jobs N     one-second clips, 2 workers vs xargs -P2 (default 1000; 0 skips it)
  --soak-seconds S   mixed reads and submissions with the API's RSS sampled (default 600; 0 skips it)
  --queue-depth N    queued jobs for the deep samples of queue-depth (default 20000, at least 4000; 0 skips it)
  --starts N         program starts per round, spawner and Node's spawn (default 300; 0 skips ffmpeg-start)
  --only A,B      run only these measurements (default: all of them)
  --json          print the figures as one JSON object instead of the table
  -h, --help      this help

measurements:
${measurements.map((m) => `  ${m.name.padEnd(width)}  ${m.summary}`).join("\n")}

Needs: packages/*/dist built (pnpm exec turbo run build), ffmpeg and ffprobe on PATH
(or FFMPEG_PATH / FFPROBE_PATH), Redis at REDIS_URL (default redis://127.0.0.1:6379), and
wrk for the HTTP load measurements (apt-get install wrk).`;
}

/** Parses the command line; throws UsageError for a bad one. */
export function parseOptions(argv: readonly string[], known: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const only = values.only === undefined ? null : values.only.split(",").filter(Boolean);
  const unknown = only?.filter((name) => !known.includes(name)) ?? [];
  if (unknown.length > 0 || only?.length === 0) {
    throw new UsageError(`--only takes names from ${known.join(", ")}; got ${values.only}`);
  }
  return {
    duration: number("--duration", values.duration, 20, { min: 1, integer: false }),
    runs: number("--runs", values.runs, 3, { min: 1, integer: true }),
    tinyJobs: number("--tiny-jobs", values["tiny-jobs"], 50, { min: 0, integer: true }),
    bigMb: number("--big-mb", values["big-mb"], 2048, { min: 0, integer: true }),
    eventClients: number("--event-clients", values["event-clients"], 1000, { min: 1, integer: true }),
    loadSeconds: number("--load-seconds", values["load-seconds"], 10, { min: 1, integer: true }),
    submissions: number("--submissions", values.submissions, 1100, { min: 0, integer: true }),
    shortJobs: number("--short-jobs", values["short-jobs"], 1000, { min: 0, integer: true }),
    soakSeconds: number("--soak-seconds", values["soak-seconds"], 600, { min: 0, integer: true }),
    queueDepth: number("--queue-depth", values["queue-depth"], 20_000, { min: 0, integer: true }),
    starts: number("--starts", values.starts, 300, { min: 0, integer: true }),
    json: values.json ?? false,
    only,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: "string" },
      runs: { type: "string" },
      "tiny-jobs": { type: "string" },
      "big-mb": { type: "string" },
      "event-clients": { type: "string" },
      "load-seconds": { type: "string" },
      submissions: { type: "string" },
      "short-jobs": { type: "string" },
      "soak-seconds": { type: "string" },
      "queue-depth": { type: "string" },
      starts: { type: "string" },
      only: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function number(
  name: string,
  value: string | undefined,
  fallback: number,
  { min, integer }: { min: number; integer: boolean },
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${name} needs ${integer ? "a whole number" : "a number"} >= ${min}, got ${value}`);
  }
  return n;
}

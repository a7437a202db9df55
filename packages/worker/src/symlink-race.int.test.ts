import { execFile, spawn } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { newJobId } from "@converter/shared/ids";
import { createLogger } from "@converter/shared/logger";
import { findPreset } from "@converter/shared/presets";
import { type ConvertJobData, type ConvertJobReturn, decodeFailure } from "@converter/shared/queue";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversionWorker } from "./worker.js";

/**
 * The symlink race of issue 13 (item 3), as the attacker ran it: someone who
 * can write into the media root swaps a folder and a symlink to a folder
 * outside it (renameat2 RENAME_EXCHANGE, in a tight loop) while copy jobs
 * read from and write into that folder. Before the worker opened files by
 * descriptor, 4-9 of 20 outside files were published into the root and 1-6
 * of 20 outputs were written outside it. Every run must count 0 of both.
 */
const run = promisify(execFile);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const RUNS = 5;
const JOBS_PER_RUN = 20;

const base = realpathSync(mkdtempSync(path.join(tmpdir(), "symlink-race-")));
const mediaRoot = path.join(base, "media");
const outsideIn = path.join(base, "outside-in");
const outsideOut = path.join(base, "outside-out");

/**
 * Swaps each pair of names with RENAME_EXCHANGE, holding each state for a
 * random 0-20 ms, until killed: long enough for a path check to pass now and
 * then, short enough for the open that follows it to meet the other state.
 */
const SWAPPER = `
import ctypes, os, random, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
# Dies with the test process, however that ends (a killed vitest must not leave it spinning).
libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() == 1:
    sys.exit(0)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
pairs = [(sys.argv[i].encode(), sys.argv[i + 1].encode()) for i in range(1, len(sys.argv), 2)]
while os.path.lexists(sys.argv[1]):
    for a, b in pairs:
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    time.sleep(random.random() * 0.02)
`;

async function makeClip(file: string, title: string): Promise<void> {
  await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-metadata", `title=${title}`, file],
  ]);
}

async function titleOf(file: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format_tags=title",
      "-of",
      "csv=p=0",
      file,
    ]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

const hasPython = await run("python3", ["-c", "import ctypes; ctypes.CDLL(None).renameat2"]).then(
  () => true,
  () => false,
);

beforeAll(async () => {
  for (const dir of ["incoming/d", "out/d", "out/stable"]) mkdirSync(path.join(mediaRoot, dir), { recursive: true });
  mkdirSync(outsideIn);
  mkdirSync(outsideOut);
  await makeClip(path.join(mediaRoot, "incoming/d/clip.mkv"), "INSIDE");
  await makeClip(path.join(outsideIn, "clip.mkv"), "OUTSIDE");
  symlinkSync(outsideIn, path.join(mediaRoot, "incoming/l"));
  symlinkSync(outsideOut, path.join(mediaRoot, "out/l"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Every regular file under dir, following no symlink. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

type RunResult = { inward: number; outward: number; completed: number; failures: Record<string, number> };

/** The swapper may stop in either state: each run starts with d the folder and l the symlink. */
function restoreLayout(): void {
  for (const dir of ["incoming", "out"]) {
    const [d, l] = [path.join(mediaRoot, dir, "d"), path.join(mediaRoot, dir, "l")];
    if (!lstatSync(d).isSymbolicLink()) continue;
    renameSync(d, `${d}.tmp`);
    renameSync(l, d);
    renameSync(`${d}.tmp`, l);
  }
}

async function oneRun(runNumber: number): Promise<RunResult> {
  restoreLayout();
  const queueName = `symlink-race-${process.pid}-${Date.now()}-${runNumber}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<ConvertJobData, ConvertJobReturn>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection: connection.duplicate() });
  await events.waitUntilReady();
  const worker = createConversionWorker({
    connection: connection.duplicate({ maxRetriesPerRequest: null }),
    queueName,
    workerName: `race-${runNumber}`,
    mediaRoot,
    concurrency: 4,
    hardware: "cpu",
    ffmpegPath: "ffmpeg",
    ffprobePath: "ffprobe",
    encoders: { libx264: true, aac: true },
    maxStalledCount: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    stallTimeoutMs: 60_000,
    shutdownGraceMs: 0,
    log: createLogger({ name: "race", level: "silent" }),
  });
  const swapper = spawn(
    "python3",
    [
      "-c",
      SWAPPER,
      ...[path.join(mediaRoot, "incoming/d"), path.join(mediaRoot, "incoming/l")],
      ...[path.join(mediaRoot, "out/d"), path.join(mediaRoot, "out/l")],
    ],
    { stdio: "ignore" },
  );
  const options = findPreset("remux-mp4")?.options;
  if (!options) throw new Error("no remux-mp4 preset");
  try {
    const jobs = await Promise.all(
      Array.from({ length: JOBS_PER_RUN }, (_, n) => {
        const id = newJobId();
        const data: ConvertJobData = {
          job_id: id,
          input: "incoming/d/clip.mkv",
          // Half write into a folder nobody swaps, so an outside input can be published and seen.
          output: `out/${n % 2 === 0 ? "stable" : "d"}/run${runNumber}-${n}.mkv`,
          preset: "remux-mp4",
          options: { ...options, container: "mkv" },
          overwrite: false,
          request_id: `race-${id}`,
        };
        return queue.add("convert", data, { jobId: id, attempts: 1 });
      }),
    );
    let completed = 0;
    const failures: Record<string, number> = {};
    for (const job of jobs) {
      try {
        await job.waitUntilFinished(events, 60_000);
        completed += 1;
      } catch (error) {
        // Refused or failed: what matters is where the bytes went.
        const code = decodeFailure((error as Error).message).code;
        failures[code] = (failures[code] ?? 0) + 1;
      }
    }
    swapper.kill("SIGKILL");
    const published = filesUnder(mediaRoot).filter((file) => path.basename(file).startsWith(`run${runNumber}-`));
    let inward = 0;
    for (const file of published) if ((await titleOf(file)) === "OUTSIDE") inward += 1;
    // Anything at all outside the root with this run's name: an output, a temporary file, a link.
    const outward = readdirSync(outsideOut).filter((name) => name.includes(`run${runNumber}-`)).length;
    return { inward, outward, completed, failures };
  } finally {
    swapper.kill("SIGKILL");
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}

describe("symlink swap race against the worker (real Redis, real ffmpeg, renameat2 in a loop)", () => {
  it.runIf(hasPython)(
    `publishes no outside file and writes nothing outside the root, in ${RUNS} runs`,
    async () => {
      const results: RunResult[] = [];
      for (let n = 1; n <= RUNS; n++) {
        // The swap leaves either name in either place; start each run from the same layout.
        results.push(await oneRun(n));
      }
      console.log(
        `SYMLINK RACE over ${RUNS} runs of ${JOBS_PER_RUN} copy jobs: ` +
          results
            .map(
              (r, i) =>
                `run ${i + 1}: ${r.inward} in, ${r.outward} out, ${r.completed} completed ${JSON.stringify(r.failures)}`,
            )
            .join("; "),
      );
      expect(results.map((r) => r.inward + r.outward)).toEqual(results.map(() => 0));
    },
    600_000,
  );
});

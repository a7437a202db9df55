// The benchmark's entry: `pnpm bench [options]`, i.e. `node --import tsx bench/run.ts`.
// Runs the chosen measurements (bench/measurements/index.ts), each against a
// fresh private deployment, and prints their figures as ratios against
// baselines measured in the same run. Progress goes to stderr, the table (or
// with --json one JSON object) to stdout. See bench/README.md.
import { Deployment } from "./lib/deployment.js";
import { describeMachine } from "./lib/machine.js";
import { type BenchOptions, parseOptions, UsageError, usage } from "./lib/options.js";
import { formatReport, type Outcome } from "./lib/report.js";
import { MEASUREMENTS } from "./measurements/index.js";

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Aborted by SIGINT/SIGTERM; main() then unwinds quietly while the handler cleans up and exits. */
const interrupt = new AbortController();
let current: Deployment | undefined;

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    // `pnpm bench -- --runs 1` hands the script the "--" as well.
    const argv = process.argv.slice(2);
    options = parseOptions(
      argv[0] === "--" ? argv.slice(1) : argv,
      MEASUREMENTS.map((m) => m.name),
    );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage(MEASUREMENTS)}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage(MEASUREMENTS)}\n`);
    return 0;
  }

  // The variable the services read (packages/shared/src/config); the bench is no turbo task.
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: see above
  const machine = await describeMachine(process.env.FFMPEG_PATH || "ffmpeg");
  const outcomes: Outcome[] = [];
  for (const measurement of MEASUREMENTS) {
    if (options.only && !options.only.includes(measurement.name)) continue;
    const skipped = measurement.skip?.(options);
    if (skipped !== undefined) {
      outcomes.push({ name: measurement.name, skipped });
      continue;
    }
    log(`=== ${measurement.name}`);
    const deployment = await Deployment.start(measurement.deployment ?? {}, log);
    current = deployment;
    try {
      const result = await measurement.run({ deployment, options, log, signal: interrupt.signal });
      outcomes.push({ name: measurement.name, result });
    } catch (error) {
      if (!interrupt.signal.aborted) log(deployment.outputTails());
      throw error;
    } finally {
      await deployment.destroy(log); // memoised: the signal handler may be running it already
      current = undefined;
    }
  }

  if (options.json) {
    const measurements = Object.fromEntries(
      outcomes.map((o) => [o.name, "result" in o ? o.result.data : { skipped: o.skipped }]),
    );
    process.stdout.write(
      `${JSON.stringify({
        machine: { cores: machine.cores, cpu_model: machine.cpuModel, node: machine.node, ffmpeg: machine.ffmpeg },
        options: {
          duration: options.duration,
          runs: options.runs,
          tiny_jobs: options.tinyJobs,
          big_mb: options.bigMb,
          submissions: options.submissions,
          short_jobs: options.shortJobs,
          soak_seconds: options.soakSeconds,
        },
        measurements,
      })}\n`,
    );
  } else {
    process.stdout.write(formatReport(machine, outcomes));
  }
  return 0;
}

for (const [signal, status] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) return;
    interrupt.abort();
    log(`${signal}: stopping the services and removing their temp dir`);
    void (current?.destroy(log) ?? Promise.resolve()).finally(() => process.exit(status));
  });
}
// Last resort if the process exits without its cleanup (an uncaught error elsewhere).
process.on("exit", () => current?.killNow());

main().then(
  (status) => {
    if (!interrupt.signal.aborted) process.exit(status);
  },
  (error: unknown) => {
    if (interrupt.signal.aborted) return; // the signal handler exits once cleanup is done
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);

import type { Deployment, DeploymentSettings } from "./deployment.js";
import type { BenchOptions } from "./options.js";

/** What a measurement gets: its own fresh deployment, the options, and a way to report progress. */
export type MeasurementContext = {
  deployment: Deployment;
  options: BenchOptions;
  /** One progress line on stderr. */
  log: (line: string) => void;
  /** Aborted on Ctrl-C/SIGTERM: kill whatever the measurement started itself (baselines, generators). */
  signal: AbortSignal;
};

/** One line of the summary table: a figure of the service against its baseline measured in the same run. */
export type ResultRow = {
  metric: string;
  /** The service's figure, with its unit. */
  value: string;
  /** The baseline's figure, with its unit; null where the goal is absolute. */
  baseline: string | null;
  /** value / baseline; null where there is no baseline. */
  ratio: number | null;
  /** The goal as written, e.g. "<= 1.05" or "<= 50 ms"; null for a figure shown for context only. */
  goal: string | null;
  /** Null when there is no goal. */
  goalMet: boolean | null;
};

export type MeasurementResult = {
  rows: ResultRow[];
  /** Detail printed under the table (per-run figures, breakdowns). */
  notes: string[];
  /** Everything worth keeping, for --json. */
  data: Record<string, unknown>;
  /** Facts about the run for the machine line, e.g. `{ encoder: "libx264" }`. */
  facts?: Record<string, string>;
};

/**
 * One benchmark. Adding one is a new file in bench/measurements/ and a line
 * in bench/measurements/index.ts.
 */
export type Measurement = {
  /** Its name for --only and in --json, kebab-case. */
  name: string;
  /** One line for --help. */
  summary: string;
  /** Settings its deployment needs beyond the bench's defaults (one worker, MAX_CONCURRENT_JOBS=1). */
  deployment?: DeploymentSettings;
  /** Why the options leave it nothing to do (e.g. "--tiny-jobs 0"); undefined runs it. */
  skip?: (options: BenchOptions) => string | undefined;
  /** Makes its own input media (tests/support/media.ts) in the deployment's media root, then measures. */
  run: (context: MeasurementContext) => Promise<MeasurementResult>;
};

/** A row whose goal is absolute: no baseline, no ratio. */
export function absoluteRow(metric: string, value: string, goal: string, goalMet: boolean): ResultRow {
  return { metric, value, baseline: null, ratio: null, goal, goalMet };
}

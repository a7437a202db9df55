import { createRequire } from "node:module";

/** What the tests read of a newman run summary (newman ships no types). */
export type NewmanSummary = {
  error?: Error;
  run: {
    stats: Record<
      "iterations" | "items" | "scripts" | "prerequests" | "requests" | "tests" | "assertions",
      {
        total: number;
        failed: number;
      }
    >;
    failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
    timings: { started: number; completed: number };
  };
};

type NewmanOptions = {
  collection: unknown;
  envVar?: { key: string; value: string }[];
  workingDir?: string;
  reporters?: string[];
  timeoutRequest?: number;
  timeout?: number;
};

const newman = createRequire(import.meta.url)("newman") as {
  run(options: NewmanOptions, done: (error: Error | null, summary: NewmanSummary) => void): unknown;
};

/** Runs a Postman collection with newman, as `newman run` would, and resolves with its summary. */
export function runCollection(options: NewmanOptions): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ reporters: [], ...options }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

/** newman's counts in one line: requests, assertions and scripts, with their failures. */
export function summaryLine({ run }: NewmanSummary): string {
  const { requests, assertions, testScripts, prerequestScripts } = {
    requests: run.stats.requests,
    assertions: run.stats.assertions,
    testScripts: run.stats.tests,
    prerequestScripts: run.stats.prerequests,
  };
  const seconds = ((run.timings.completed - run.timings.started) / 1000).toFixed(1);
  return (
    `newman: ${requests.total} requests (${requests.failed} failed), ${assertions.total} assertions ` +
    `(${assertions.failed} failed), ${testScripts.total} test scripts (${testScripts.failed} failed), ` +
    `${prerequestScripts.total} pre-request scripts (${prerequestScripts.failed} failed) in ${seconds} s`
  );
}

/** Every failure, one line each: the request and what failed. */
export function failureLines({ run }: NewmanSummary): string[] {
  return run.failures.map(
    (failure) =>
      `${failure.source?.name ?? "?"}: ${failure.error.test ? `${failure.error.test}: ` : ""}${failure.error.message}`,
  );
}

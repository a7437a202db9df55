import type { Logger } from "@converter/shared/logger";
import { withTimeout } from "./with-timeout.js";

/**
 * How long stopping may take in all. Docker's default stop timeout is 10 s,
 * after which it sends SIGKILL; past this the API exits by itself with a
 * line that says so.
 */
const STOP_DEADLINE_MS = 8000;
/** What one closing BullMQ object (its Redis may be gone) gets before the stop moves on without it. */
const CLOSE_STEP_MS = 3000;

export type StopSteps = {
  /** Stops new work at once (the server). */
  first(step: () => void): void;
  /** A close that may wait on Redis: bounded by CLOSE_STEP_MS, run beside the others. */
  bounded(step: () => Promise<unknown>): void;
  /** Run last, newest first (connections, the database). */
  last(step: () => void): void;
};

/**
 * SIGINT and SIGTERM stop the API once, whatever it is waiting on (Redis
 * down at start, a close that never returns): first what stops new work,
 * then the bounded closes, all at once, then the connections and the
 * database. main.ts registers each step as start-up creates what it closes,
 * so a signal during start-up closes what exists so far.
 */
export function stopOnSignals(log: Logger): StopSteps {
  const steps = { first: [] as (() => void)[], bounded: [] as (() => Promise<unknown>)[], last: [] as (() => void)[] };
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "api stopping");
    setTimeout(() => {
      log.error({ deadline_ms: STOP_DEADLINE_MS }, "api did not stop in time; exiting anyway");
      process.exit(1);
    }, STOP_DEADLINE_MS);
    for (const step of steps.first) step();
    await Promise.all(steps.bounded.map((step) => withTimeout(step(), CLOSE_STEP_MS, "close").catch(() => undefined)));
    for (const step of steps.last.reverse()) step();
    log.info("api stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  return {
    first: (step) => steps.first.push(step),
    bounded: (step) => steps.bounded.push(step),
    last: (step) => steps.last.push(step),
  };
}

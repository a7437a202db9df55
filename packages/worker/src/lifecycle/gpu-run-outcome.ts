import { isNvencEncoder } from "@converter/shared/ffmpeg";
import { isNvencSessionRefusal } from "../capabilities/nvenc-sessions.js";
import type { EncodePlan } from "./plan-encode.js";
import type { ProcessorDeps } from "./processor-deps.js";
import { putBack } from "./put-back.js";
import type { EncodeOutcome } from "./run-encode.js";

/** How long a job whose NVENC session the driver refused waits before another worker or moment tries it. */
export const SESSION_REFUSED_DELAY_MS = 10_000;

/**
 * A run that decoded on NVDEC and failed on its own: not stopped, not over
 * time, the input judged usable. NVDEC refuses some streams the probe
 * cannot tell apart (a profile level, a field-coded stream, a card
 * generation's gaps), so such a run is tried once more decoding on the
 * CPU; a failure that has nothing to do with decoding fails again there
 * and is reported as it always was.
 */
export function nvdecRefused(plan: EncodePlan, outcome: EncodeOutcome): boolean {
  const { run, verdict } = outcome;
  return plan.gpuDecode && !run.aborted && !run.timedOut && run.exitCode !== 0 && verdict.kind === "usable";
}

/**
 * The driver had no NVENC session left (other processes on the card, or a
 * GeForce limit below NVENC_MAX_SESSIONS): the job goes back to the queue
 * without spending an attempt, and the worker caps its sessions at what it
 * was running when refused (ADR 0017).
 */
export async function handBackIfSessionRefused(
  deps: Pick<ProcessorDeps, "nvenc" | "counters" | "log">,
  plan: EncodePlan,
  outcome: EncodeOutcome,
): Promise<void> {
  const { run } = outcome;
  if (run.aborted || run.exitCode === 0 || plan.encoder === null || !isNvencEncoder(plan.encoder)) return;
  if (!isNvencSessionRefusal(run.stderrTail)) return;
  const others = Math.max(0, (deps.nvenc?.used ?? 1) - 1);
  deps.nvenc?.refused(others);
  if (deps.counters) deps.counters.nvenc_session_refusals += 1;
  plan.log.warn(
    { nvenc_in_use: others, nvenc_limit: deps.nvenc?.limit ?? null },
    "the driver refused an NVENC session",
  );
  await putBack(plan, SESSION_REFUSED_DELAY_MS, `the driver refused an NVENC session (${others} others in use here)`);
}

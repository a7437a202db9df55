import type { HardwareMode } from "@converter/shared/jobs";
import { isNvencRoute, JOB_ROUTES, type JobRoute } from "@converter/shared/queue";

/**
 * The job routes (queues) a worker consumes, from its HARDWARE setting and
 * what its start-up test encodes proved (docs/adr/0016-jobs-routed-by-capability.md),
 * in the order a free slot goes to them: work only this worker can do
 * first, work any worker can do last.
 *
 * - cpu: `gpu-preferred` and `any`.
 * - auto: every `<codec>_nvenc` whose encoder passed, then the same two.
 * - gpu: only the `<codec>_nvenc` routes whose encoder passed: a node kept
 *   for jobs that require the GPU.
 */
export function servedRoutes(hardware: HardwareMode, encoders: Record<string, boolean>): JobRoute[] {
  const nvenc = hardware === "cpu" ? [] : JOB_ROUTES.filter((route) => isNvencRoute(route) && encoders[route] === true);
  if (hardware === "gpu") return nvenc;
  return [...nvenc, "gpu-preferred", "any"];
}

/** Whether the worker has a working NVENC encoder: it never steps back from `gpu-preferred` jobs. */
export function isGpuWorker(encoders: Record<string, boolean>): boolean {
  return Object.entries(encoders).some(([name, ok]) => ok && name.endsWith("_nvenc"));
}

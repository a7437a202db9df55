import { freeSlots, type JobRoute, routeRequirement, type WorkerHeartbeat } from "@converter/shared/queue";

/** Whether a worker consumes a route; one older than routing (no `routes`) reads the base queue only. */
export function servesRoute(worker: WorkerHeartbeat, route: JobRoute): boolean {
  return worker.routes ? worker.routes.includes(route) : route === "any";
}

/**
 * Why a queued job of a route is not running, from the live workers
 * (ADR 0016), or null when a worker that can run it has a free slot (it is
 * about to start, or waits its turn behind jobs of higher priority).
 */
export function waitingReasonFor(route: JobRoute, workers: readonly WorkerHeartbeat[]): string | null {
  if (workers.length === 0) return "no worker is live: the job waits until one starts";
  const serving = workers.filter((worker) => servesRoute(worker, route));
  if (serving.length === 0) {
    return `no live worker can run this job: it needs ${routeRequirement(route)}; it waits until one starts`;
  }
  if (serving.every((worker) => freeSlots(worker) === 0)) {
    const n = serving.length;
    return `every live worker that can run this job is busy (${n} worker${n === 1 ? "" : "s"}); it starts when one has a free slot`;
  }
  return null;
}

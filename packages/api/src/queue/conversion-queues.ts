import type { ResolvedOptions } from "@converter/shared/jobs";
import { JOB_ROUTES, type JobRoute, routeOf, routeQueueName } from "@converter/shared/queue";
import type { Job, JobType } from "bullmq";
import type { Redis } from "ioredis";
import { type ConversionQueue, createConversionQueue } from "./conversion-queue.js";

/** BullMQ's states of a job on its queue that no worker holds yet: the API shows each as queued. */
const WAITING_STATES = ["wait", "paused", "prioritized", "delayed"] as const satisfies readonly JobType[];
const IDS_PER_READ = 10_000;

/**
 * One BullMQ queue per job route (docs/adr/0016-jobs-routed-by-capability.md).
 * A job's queue follows from its options (routeOf), so nothing stores it;
 * every operation on a job (enqueue, cancel, retry, reconcile) goes through
 * here to find it. A job an older API queued waits in the base queue
 * (QUEUE_NAME, the `any` route), which is why `locate` looks there too.
 */
export class ConversionQueues {
  private constructor(
    private readonly byRoute: ReadonlyMap<JobRoute, ConversionQueue>,
    /** The base queue: QUEUE_NAME, the `any` route. */
    readonly base: ConversionQueue,
  ) {}

  /** The queue of every route, on one command connection. */
  static open(connection: Redis, queueName: string): ConversionQueues {
    const byRoute = new Map(
      JOB_ROUTES.map((route) => [route, createConversionQueue(connection, routeQueueName(queueName, route))] as const),
    );
    return new ConversionQueues(byRoute, byRoute.get("any") as ConversionQueue);
  }

  /** Every route served by one queue (tests whose unit is not the routing). */
  static single(queue: ConversionQueue): ConversionQueues {
    return new ConversionQueues(new Map(JOB_ROUTES.map((route) => [route, queue] as const)), queue);
  }

  forRoute(route: JobRoute): ConversionQueue {
    return this.byRoute.get(route) ?? this.base;
  }

  forOptions(options: Pick<ResolvedOptions, "video_codec" | "hardware">): ConversionQueue {
    return this.forRoute(routeOf(options));
  }

  /** Each distinct queue once, the base queue first. */
  all(): ConversionQueue[] {
    return [...new Set([this.base, ...this.byRoute.values()])];
  }

  /** The routes each distinct queue serves, for /health and /metrics. */
  routesOf(queue: ConversionQueue): JobRoute[] {
    return [...this.byRoute].filter(([, q]) => q === queue).map(([route]) => route);
  }

  /** The job and the queue that holds it: its route's queue first, then the base queue (an older API's job). */
  async locate(jobId: string, options: Pick<ResolvedOptions, "video_codec" | "hardware">) {
    const own = this.forOptions(options);
    for (const queue of own === this.base ? [own] : [own, this.base]) {
      const job = (await queue.getJob(jobId)) as Job | undefined;
      if (job) return { queue, job };
    }
    return undefined;
  }

  /**
   * The ids of every job waiting for a worker in any route's queue, ids only
   * (no job hashes), read a page at a time so no one read holds Redis long.
   * A job that moves while the pages are read may be missed, never invented.
   */
  async waitingIds(pageSize = IDS_PER_READ): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const queue of this.all()) {
      for (const state of WAITING_STATES) {
        for (let start = 0; ; start += pageSize) {
          const page = await queue.getRanges([state], start, start + pageSize - 1);
          for (const id of page) ids.add(id);
          if (page.length < pageSize) break;
        }
      }
    }
    return ids;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
  }
}

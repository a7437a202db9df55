import { CANCELLED_BY_CLIENT } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import { parseSegmentChildId, type SegmentRef } from "@converter/shared/queue";
import { QueueEvents, type QueueEventsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { ConversionQueue } from "../queue/conversion-queue.js";
import type { JobStore } from "../store/job-store.js";
import type { JobStateSync } from "./job-state-sync.js";
import type { SegmentEvents } from "./segment-events.js";

/** While a job runs, its log tail in SQLite is refreshed at most this often. */
const LOG_REFRESH_MS = 5000;

/**
 * Listens to BullMQ's event stream and records every job transition in
 * SQLite. Handlers run one at a time in stream order, so a slow read of a
 * job's logs can never let an older event overwrite a newer one.
 */
export class JobEventsConsumer {
  private readonly events: QueueEvents;
  private chain: Promise<void> = Promise.resolve();
  private readonly lastLogRefresh = new Map<string, number>();

  constructor(
    private readonly deps: {
      connection: Redis;
      queue: ConversionQueue;
      store: JobStore;
      sync: JobStateSync;
      /** A segmented job's children (ADR 0026); absent: their events are ignored. */
      segments?: SegmentEvents;
      log: Logger;
      /** Connection errors repeat every reconnect attempt; the caller decides how loudly to log them. */
      onError?: (error: Error) => void;
    },
  ) {
    this.events = new QueueEvents(deps.queue.name, { connection: deps.connection, autorun: false });
    this.events.on("error", (error) =>
      (deps.onError ?? ((e) => deps.log.warn({ err: e }, "queue events error")))(error),
    );
    this.subscribe();
  }

  /**
   * Starts reading after the newest event there is now. BullMQ's default
   * ("$") would mean after the newest event at its first XREAD, which it sends
   * a round trip or two after this returns: an event in between (a job an
   * operator removed as the API started; a CI run here caught a test doing
   * just that) would never be recorded.
   */
  async start(): Promise<void> {
    await this.events.waitUntilReady();
    const [newest] = await this.deps.connection.xrevrange(this.events.toKey("events"), "+", "-", "COUNT", 1);
    // No stream yet: from its first entry, all of which come after this moment.
    (this.events.opts as QueueEventsOptions).lastEventId = newest?.[0] ?? "0-0";
    void this.events.run().catch((error) => this.deps.log.error({ err: error }, "queue events consumer stopped"));
  }

  /** Resolves once every event received so far has been written. */
  async drain(): Promise<void> {
    await this.chain;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.drain();
  }

  private serial(what: string, jobId: string, handler: () => void | Promise<void>): void {
    this.chain = this.chain.then(handler).catch((error) => {
      this.deps.log.error({ err: error, job_id: jobId, event: what }, "failed to record a job event");
    });
  }

  /**
   * The record of each transition comes from the event itself; what else is
   * read from Redis (attempt counts, timestamps, logs) is best effort, so a
   * command connection that is down for a moment cannot lose a transition.
   */
  private subscribe(): void {
    const on = this.events.on.bind(this.events);
    this.subscribeChildren();
    const own = (jobId: string) => parseSegmentChildId(jobId) === undefined;
    on("active", ({ jobId }) => own(jobId) && this.serial("active", jobId, () => this.recordActive(jobId)));
    on(
      "progress",
      ({ jobId, data }) => own(jobId) && this.serial("progress", jobId, () => this.recordProgress(jobId, data)),
    );
    on(
      "completed",
      ({ jobId, returnvalue }) =>
        own(jobId) &&
        this.serial("completed", jobId, async () => {
          this.lastLogRefresh.delete(jobId);
          // finished_at is when the worker finished, not when this event was read.
          const job = await optional(this.deps.queue.getJob(jobId));
          await this.deps.sync.completed(jobId, returnvalue, job?.finishedOn);
        }),
    );
    // BullMQ emits "failed" only for a final failure; a failure with attempts
    // left shows as "waiting" or "delayed" instead.
    on(
      "failed",
      ({ jobId, failedReason }) =>
        own(jobId) &&
        this.serial("failed", jobId, async () => {
          this.lastLogRefresh.delete(jobId);
          const job = await optional(this.deps.queue.getJob(jobId));
          await this.deps.sync.failed(jobId, failedReason, job?.finishedOn);
        }),
    );
    const backToQueue =
      (what: string) =>
      ({ jobId, prev }: { jobId: string; prev?: string }) =>
        own(jobId) &&
        this.serial(what, jobId, () => {
          if (what === "waiting" && prev === undefined) return; // a fresh submission: already queued
          // A segmented job's parent waits to join once its children are done: it is running, not queued.
          if (what === "waiting" && prev === "waiting-children") return;
          this.deps.store.markQueued(jobId);
        });
    on("waiting", backToQueue("waiting"));
    on("delayed", backToQueue("delayed"));
    on("stalled", backToQueue("stalled"));
    on("removed", ({ jobId }) => own(jobId) && this.serial("removed", jobId, () => this.recordRemoved(jobId)));
  }

  /** Events of a segmented job's children go into their parent's `segments` (ADR 0026), in stream order too. */
  private subscribeChildren(): void {
    const on = this.events.on.bind(this.events);
    const child = (
      what: string,
      jobId: string,
      handle: (s: SegmentEvents, parent: string, ref: SegmentRef) => unknown,
    ) => {
      const found = parseSegmentChildId(jobId);
      const segments = this.deps.segments;
      if (!found || !segments) return;
      this.serial(what, jobId, async () => {
        await handle(segments, found.parent, found.ref);
      });
    };
    on("active", ({ jobId }) =>
      child("active", jobId, async (s, parent, ref) =>
        s.active(parent, ref, await optional(this.deps.queue.getJob(jobId))),
      ),
    );
    on("progress", ({ jobId, data }) => child("progress", jobId, (s, parent, ref) => s.progress(parent, ref, data)));
    on("completed", ({ jobId, returnvalue }) =>
      child("completed", jobId, (s, parent, ref) => s.completed(parent, ref, returnvalue)),
    );
    on("failed", ({ jobId }) => child("failed", jobId, (s, parent, ref) => s.failed(parent, ref)));
    for (const what of ["waiting", "delayed", "stalled"] as const) {
      on(what, ({ jobId }: { jobId: string }) => child(what, jobId, (s, parent, ref) => s.queued(parent, ref)));
    }
  }

  private async recordActive(jobId: string): Promise<void> {
    const { queue, store, sync } = this.deps;
    const job = await optional(queue.getJob(jobId));
    if (job) sync.markActive(job);
    else store.markActive(jobId, new Date().toISOString(), undefined);
    await sync.refreshLogs(jobId);
    this.lastLogRefresh.set(jobId, Date.now());
  }

  private async recordProgress(jobId: string, data: unknown): Promise<void> {
    this.deps.sync.progress(jobId, data);
    const last = this.lastLogRefresh.get(jobId) ?? 0;
    if (Date.now() - last >= LOG_REFRESH_MS) {
      this.lastLogRefresh.set(jobId, Date.now());
      await this.deps.sync.refreshLogs(jobId);
    }
  }

  /** The API removes a queued job it cancels itself; anything else is an operator in Bull Board. */
  private async recordRemoved(jobId: string): Promise<void> {
    const { store, sync } = this.deps;
    const logs = await sync.logsOf(jobId);
    // Removed and queued again (a segmented job's retry queues a new flow, ADR 0026): this
    // removal is history. Read last, with the write right after it: the retry's add goes
    // over the same connection, so either this read sees the new job or the record is
    // still the ended one, which the write leaves alone.
    if (await optional(this.deps.queue.getJob(jobId))) return;
    const byClient = store.getRow(jobId)?.cancelRequestedAt;
    store.markFailed(
      jobId,
      byClient
        ? CANCELLED_BY_CLIENT
        : { code: "cancelled", message: "the job was removed from the queue by an operator" },
      new Date().toISOString(),
      logs,
    );
    this.deps.segments?.parentEnded(jobId);
    await sync.finished(jobId);
  }
}

/** A Redis read whose failure must not stop the recording of an event. */
async function optional<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch {
    return undefined;
  }
}

import type { JobStatus, JobView } from "@converter/shared/jobs";
import type { JobChangeListener } from "../store/job-store.js";
import { eventTypeOf, type JobEvent, progressOf } from "./job-event.js";

/** What a subscriber gets: each event as it is recorded. */
export type JobEventListener = (event: JobEvent) => void;

/** Where a reconnecting client stands: the events it missed, or, when the log no longer holds them all, a snapshot. */
export type Replay = { kind: "events"; events: JobEvent[] } | { kind: "snapshot"; since: Date };

/** How many recent events are kept for clients that reconnect with Last-Event-ID. */
const DEFAULT_CAPACITY = 10_000;
/**
 * And at most this much of their JSON, with EVENT_OVERHEAD_BYTES each: a status event carries the whole job
 * (about 1.5 KB), so 10,000 of them held 15 MB that a busy API kept for
 * good (issue 12's memory soak). A reconnect past what is kept gets a snapshot.
 */
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
/**
 * What an event costs beside its JSON, counted against maxBytes too: the
 * event object, its id and job id, and the pieces V8 builds the JSON string
 * of. A heap snapshot of a soak put them at about 240 bytes an event, so a
 * log of small progress events held twice its nominal bytes (issue 12).
 */
export const EVENT_OVERHEAD_BYTES = 256;

/**
 * The API's live record of job changes, for Server-Sent Events. JobStore
 * tells it of every change; it reads the job as clients see it, keeps the
 * event in a bounded log for reconnecting clients, and hands it to every
 * subscriber at once. Ids are microseconds since the epoch (made unique), so
 * they keep rising across restarts and a client's Last-Event-ID tells when
 * it last heard: a gap the log cannot fill is answered with a snapshot of
 * what changed since then.
 */
export class JobEventLog implements JobChangeListener {
  /**
   * The kept events are events[head..]. An evicted event's slot is emptied at
   * once, so its JSON can be collected; the empty slots are dropped in batches.
   */
  private events: (JobEvent | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  private readonly lastStatus = new Map<string, JobStatus>();
  private readonly listeners = new Set<JobEventListener>();
  private lastId = 0;
  /** Every event with a larger id is in the log: at start, everything after start; later, after the oldest evicted. */
  private coveredAfter: number;

  constructor(
    private readonly read: (jobId: string) => JobView | undefined,
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly nowMicros: () => number = () => Date.now() * 1000,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    this.coveredAfter = this.nextId();
    this.lastId = this.coveredAfter;
  }

  jobChanged(jobId: string): void {
    const job = this.read(jobId);
    if (!job) return;
    const type = eventTypeOf(this.lastStatus.get(jobId), job.status);
    if (type === "completed" || type === "failed" || type === "cancelled") this.lastStatus.delete(jobId);
    else this.lastStatus.set(jobId, job.status);
    const data = JSON.stringify(type === "progress" ? progressOf(job) : job);
    const event: JobEvent = { id: this.nextId(), type, jobId, data };
    this.events.push(event);
    this.bytes += data.length + EVENT_OVERHEAD_BYTES;
    this.evict();
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: JobEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The id of the newest event (or of the log's start, before any). */
  get latestId(): number {
    return this.lastId;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Drops the oldest events past either bound; an array shift per event would cost O(capacity) each time. */
  private evict(): void {
    while (
      this.events.length - this.head > this.capacity ||
      (this.bytes > this.maxBytes && this.head < this.events.length - 1)
    ) {
      const evicted = this.events[this.head] as JobEvent;
      this.events[this.head++] = undefined;
      this.bytes -= evicted.data.length + EVENT_OVERHEAD_BYTES;
      this.coveredAfter = evicted.id;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** What a client that last saw `lastEventId` missed. */
  replayAfter(lastEventId: number): Replay {
    if (lastEventId >= this.coveredAfter) {
      const missed: JobEvent[] = [];
      for (let n = this.head; n < this.events.length; n++) {
        const event = this.events[n] as JobEvent;
        if (event.id > lastEventId) missed.push(event);
      }
      return { kind: "events", events: missed };
    }
    return { kind: "snapshot", since: new Date(Math.floor(lastEventId / 1000)) };
  }

  private nextId(): number {
    this.lastId = Math.max(this.lastId + 1, Math.floor(this.nowMicros()));
    return this.lastId;
  }
}

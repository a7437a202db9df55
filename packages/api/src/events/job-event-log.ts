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
 * The API's live record of job changes, for Server-Sent Events. JobStore
 * tells it of every change; it reads the job as clients see it, keeps the
 * event in a bounded log for reconnecting clients, and hands it to every
 * subscriber at once. Ids are microseconds since the epoch (made unique), so
 * they keep rising across restarts and a client's Last-Event-ID tells when
 * it last heard: a gap the log cannot fill is answered with a snapshot of
 * what changed since then.
 */
export class JobEventLog implements JobChangeListener {
  private readonly events: JobEvent[] = [];
  private readonly lastStatus = new Map<string, JobStatus>();
  private readonly listeners = new Set<JobEventListener>();
  private lastId = 0;
  /** Every event with a larger id is in the log: at start, everything after start; later, after the oldest evicted. */
  private coveredAfter: number;

  constructor(
    private readonly read: (jobId: string) => JobView | undefined,
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly nowMicros: () => number = () => Date.now() * 1000,
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
    if (this.events.length > this.capacity) {
      const evicted = this.events.splice(0, this.events.length - this.capacity);
      this.coveredAfter = evicted.at(-1)?.id ?? this.coveredAfter;
    }
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

  /** What a client that last saw `lastEventId` missed. */
  replayAfter(lastEventId: number): Replay {
    if (lastEventId >= this.coveredAfter) {
      return { kind: "events", events: this.events.filter((event) => event.id > lastEventId) };
    }
    return { kind: "snapshot", since: new Date(Math.floor(lastEventId / 1000)) };
  }

  private nextId(): number {
    this.lastId = Math.max(this.lastId + 1, Math.floor(this.nowMicros()));
    return this.lastId;
  }
}

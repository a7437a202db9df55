import type { JobView } from "@converter/shared/jobs";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { AppEnv } from "../deps.js";
import { eventTypeOf, type JobEvent } from "./job-event.js";
import type { JobEventLog } from "./job-event-log.js";

/** A comment line this often keeps proxies from closing an idle stream. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Events queued for a client that does not read: past this it is disconnected, to come back with Last-Event-ID. */
const MAX_PENDING_EVENTS = 1_000;
/** Asked of EventSource clients: reconnect after a second. */
const RETRY_MS = 1000;

export type JobStreamOptions = {
  log: JobEventLog;
  /** Only this job's events; all jobs when absent. */
  jobId?: string;
  /** The job now, to open a one-job stream with where it stands. */
  current?: JobView;
  /** What changed since a time, for a client whose gap the log cannot fill. */
  changedSince: (since: Date, jobId?: string) => JobView[];
  heartbeatMs?: number;
};

/**
 * Streams job events as Server-Sent Events. The catch-up (missed events, or
 * the state a client lacks) is queued and the subscription made in one
 * synchronous step, so no event can fall between the two or overtake them;
 * writes then go out one at a time, in order.
 */
export function streamJobEvents(c: Context<AppEnv>, options: JobStreamOptions): Response {
  const lastEventId = parseEventId(c.req.header("last-event-id"));
  return streamSSE(c, async (stream) => {
    const sender = new OrderedSender(stream);
    sender.catchUp([`retry: ${RETRY_MS}\n\n`, ...catchUp(options, lastEventId).map(frameOf)]);
    const unsubscribe = options.log.subscribe((event) => {
      if (options.jobId === undefined || event.jobId === options.jobId) sender.send(event);
    });
    const heartbeat = setInterval(() => sender.raw(": keep-alive\n\n"), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    clearInterval(heartbeat);
    unsubscribe();
  });
}

/** What a new or returning client needs before the live events: its missed events, or the state it lacks. */
function catchUp(options: JobStreamOptions, lastEventId: number | undefined): JobEvent[] {
  const latestId = options.log.latestId;
  if (lastEventId === undefined) {
    return options.current ? [snapshotEvent(options.current, latestId)] : [];
  }
  const replay = options.log.replayAfter(lastEventId);
  if (replay.kind === "events") {
    return replay.events.filter((event) => options.jobId === undefined || event.jobId === options.jobId);
  }
  return options.changedSince(replay.since, options.jobId).map((job) => snapshotEvent(job, latestId));
}

/** A job's current state as a status or end event; its id is the log's latest, where the live events go on from. */
function snapshotEvent(job: JobView, id: number): JobEvent {
  return { id, type: eventTypeOf(undefined, job.status), jobId: job.job_id, data: JSON.stringify(job) };
}

function parseEventId(header: string | undefined): number | undefined {
  const text = header?.trim();
  return text !== undefined && /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

/** Sends to one client in order, one write at a time, and drops a client that stopped reading. */
class OrderedSender {
  private readonly pending: string[] = [];
  /** Catch-up frames still at the head of `pending`: not counted against MAX_PENDING_EVENTS. */
  private catchUpLeft = 0;
  private writing = false;

  constructor(private readonly stream: SSEStreamingApi) {}

  /**
   * The stream's first frames: what a client needs before the live events,
   * however many. It asked for all of them at once, so only what queues up
   * behind them shows a client that does not read. Counted against the cap,
   * a catch-up past it (more than MAX_PENDING_EVENTS jobs live, or missed)
   * dropped the client before a byte was written, and it came back a second
   * later for the same catch-up, again and again.
   */
  catchUp(frames: string[]): void {
    if (this.stream.closed) return;
    for (const frame of frames) this.pending.push(frame);
    this.catchUpLeft += frames.length;
    void this.drain();
  }

  send(event: JobEvent): void {
    this.raw(frameOf(event));
  }

  /** A frame as it goes on the wire (data is JSON on one line, so it needs no splitting). */
  raw(frame: string): void {
    if (this.stream.closed) return;
    if (this.pending.length - this.catchUpLeft >= MAX_PENDING_EVENTS) {
      this.stream.abort();
      return;
    }
    this.pending.push(frame);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      for (let frame = this.pending.shift(); frame !== undefined; frame = this.pending.shift()) {
        // The catch-up is the stream's first frames, so the first ones written are its own.
        if (this.catchUpLeft > 0) this.catchUpLeft -= 1;
        await this.stream.write(frame);
      }
    } catch {
      // The client went away mid-write; onAbort ends the stream.
    } finally {
      this.writing = false;
    }
  }
}

const frameOf = (event: JobEvent) => `id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`;

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { JobStatus, JobView } from "@converter/shared/jobs";
import { findPreset } from "@converter/shared/presets";
import { describe, expect, it } from "vitest";
import type { JobEvent } from "./job-event.js";
import { EVENT_OVERHEAD_BYTES, JobEventLog } from "./job-event-log.js";

const preset = findPreset("h264");
if (!preset) throw new Error("no h264 preset");
const { options } = preset;

function job(id: string, status: JobStatus, progress = 0): JobView {
  return {
    job_id: id,
    status,
    progress,
    input: "in.mkv",
    output: "out.mp4",
    preset: "h264",
    options,
    overwrite: false,
    priority: 5,
    stream_copy: "auto",
    encoder: "libx264",
    worker: "w",
    fps: 30,
    speed: 2,
    eta_seconds: 3,
    attempts: 1,
    retries: 0,
    created_at: "2026-11-27T08:00:00.000Z",
    started_at: null,
    finished_at: null,
    error: null,
    result: null,
    webhook_url: null,
    webhook: null,
    queue: "conversions-gpu-preferred",
    waiting_reason: null,
    pipeline: null,
    segments: null,
  };
}

/** A log over a map of jobs, with a clock the test moves. */
function logOver(capacity = 100, startMicros = 1_000_000, maxBytes?: number) {
  const jobs = new Map<string, JobView>();
  let now = startMicros;
  const log = new JobEventLog(
    (id) => jobs.get(id),
    capacity,
    () => now,
    maxBytes,
  );
  const seen: JobEvent[] = [];
  log.subscribe((event) => seen.push(event));
  const change = (view: JobView) => {
    jobs.set(view.job_id, view);
    log.jobChanged(view.job_id);
  };
  return { log, seen, change, tick: (micros: number) => (now += micros) };
}

describe("JobEventLog", () => {
  it("turns changes into status, progress and end events with the job JSON", () => {
    const { seen, change } = logOver();
    change(job("a", "queued"));
    change(job("a", "in_progress", 10));
    change(job("a", "in_progress", 20));
    change({ ...job("a", "completed", 100), eta_seconds: 0 });
    expect(seen.map((e) => e.type)).toEqual(["status", "status", "progress", "completed"]);
    expect(JSON.parse(seen[2]?.data ?? "")).toEqual({
      job_id: "a",
      status: "in_progress",
      progress: 20,
      fps: 30,
      speed: 2,
      eta_seconds: 3,
      encoder: "libx264",
      worker: "w",
    });
    expect(JSON.parse(seen[3]?.data ?? "")).toMatchObject({ job_id: "a", status: "completed", progress: 100 });
  });

  it("gives every event a larger id than the one before, also within one microsecond", () => {
    const { seen, change } = logOver();
    for (let i = 0; i < 5; i += 1) change(job("a", "in_progress", i));
    const ids = seen.map((e) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("replays what a reconnecting client missed", () => {
    const { log, seen, change } = logOver();
    change(job("a", "queued"));
    change(job("b", "queued"));
    change(job("a", "in_progress", 5));
    const replay = log.replayAfter(seen[0]?.id ?? 0);
    expect(replay).toEqual({ kind: "events", events: seen.slice(1) });
  });

  it("answers with a snapshot time when the log no longer holds the gap", () => {
    const { log, seen, change, tick } = logOver(2);
    change(job("a", "queued"));
    tick(5_000_000);
    change(job("a", "in_progress", 1));
    change(job("a", "in_progress", 2));
    change(job("a", "in_progress", 3));
    const first = seen[0]?.id ?? 0;
    expect(log.replayAfter(first)).toEqual({ kind: "snapshot", since: new Date(Math.floor(first / 1000)) });
    expect(log.replayAfter(seen[1]?.id ?? 0)).toEqual({ kind: "events", events: seen.slice(2) });
  });

  it("after a restart, answers an id from before it with a snapshot, never with silence", () => {
    const before = logOver(100, 1_000_000);
    before.change(job("a", "in_progress", 1));
    const lastSeen = before.seen.at(-1)?.id ?? 0;
    const after = logOver(100, 9_000_000);
    expect(after.log.latestId).toBeGreaterThan(lastSeen);
    expect(after.log.replayAfter(lastSeen)).toMatchObject({ kind: "snapshot" });
  });

  it("keeps at most maxBytes of event JSON and per-event overhead, and replays exactly the kept events", () => {
    const { log, seen, change } = logOver(10_000, 1_000_000, 20_000);
    for (let n = 0; n < 3000; n++) change(job(`j${n}`, "queued"));
    // The newest events whose JSON, with EVENT_OVERHEAD_BYTES each, fits in 20,000 bytes are kept.
    const cost = (event: JobEvent | undefined) => (event?.data.length ?? 0) + EVENT_OVERHEAD_BYTES;
    let oldestKept = seen.length;
    for (let bytes = 0; oldestKept > 0 && bytes + cost(seen[oldestKept - 1]) <= 20_000; ) {
      oldestKept--;
      bytes += cost(seen[oldestKept]);
    }
    expect(seen.length - oldestKept).toBeGreaterThan(5);
    // The events after the newest evicted one come back, in order; anything older is a snapshot.
    expect(log.replayAfter(seen[oldestKept - 1]?.id ?? 0)).toEqual({ kind: "events", events: seen.slice(oldestKept) });
    expect(log.replayAfter(seen[oldestKept - 2]?.id ?? 0)).toMatchObject({ kind: "snapshot" });
  });

  it("lets an evicted event be collected at once, not when its slot is reused (real V8 garbage collection)", async () => {
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const jobs = new Map<string, JobView>();
    let now = 1_000_000;
    const log = new JobEventLog(
      (id) => jobs.get(id),
      10_000,
      () => now++,
      4 * (EVENT_OVERHEAD_BYTES + 2000),
    );
    let first: WeakRef<JobEvent> | undefined;
    const unsubscribe = log.subscribe((event) => {
      first ??= new WeakRef(event);
    });
    for (let n = 0; n < 50; n++) {
      jobs.set(`j${n}`, job(`j${n}`, "queued"));
      log.jobChanged(`j${n}`);
    }
    unsubscribe();
    expect(log.replayAfter(0)).toMatchObject({ kind: "snapshot" });
    // A WeakRef's target lives at least until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    expect(first?.deref()).toBeUndefined();
  });

  it("keeps the newest event even when it alone is larger than maxBytes", () => {
    const { log, seen, change } = logOver(100, 1_000_000, 10);
    change(job("a", "queued"));
    change(job("b", "queued"));
    expect(log.replayAfter(seen[0]?.id ?? 0)).toEqual({ kind: "events", events: [seen[1]] });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { sseReader } from "../../../../tests/support/sse-reader.js";
import { buildTestApp, expectError, postConvert, queuedJobRow, sampleReturn } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
const readers: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.close();
  ctx?.cleanup();
});

let submitted = 0;
async function submit(): Promise<string> {
  submitted += 1;
  const res = await postConvert(ctx.app, { input: "incoming/clip.mkv", output: `out/${submitted}.mp4` });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job_id: string }).job_id;
}

async function open(path: string, headers: Record<string, string> = {}) {
  const res = await ctx.app.request(path, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = sseReader(res);
  readers.push(reader);
  return reader;
}

const progress = (percent: number) => ({ percent, fps: 30, speed: 2, eta_seconds: 1, encoder: "libx264", worker: "w" });

describe("GET /jobs/{job_id}/events", () => {
  it("opens with where the job stands, then follows it to its end", async () => {
    ctx = buildTestApp();
    const id = await submit();
    const stream = await open(`/jobs/${id}/events`);
    const first = await stream.nextEvent();
    expect(first.event).toBe("status");
    expect(JSON.parse(first.data)).toEqual(ctx.views.get(id));

    ctx.store.markActive(id, new Date().toISOString(), 1);
    expect((await stream.nextEvent()).event).toBe("status");
    ctx.store.updateProgress(id, progress(42));
    const moved = await stream.nextEvent();
    expect(moved.event).toBe("progress");
    expect(JSON.parse(moved.data)).toMatchObject({ job_id: id, status: "in_progress", progress: 42, speed: 2 });
    ctx.store.markCompleted(id, sampleReturn, new Date().toISOString(), []);
    const end = await stream.nextEvent();
    expect(end.event).toBe("completed");
    expect(JSON.parse(end.data)).toEqual(ctx.views.get(id));
    expect(Number(end.id)).toBeGreaterThan(Number(moved.id));
  });

  it("answers 404 job_not_found for an unknown job", async () => {
    ctx = buildTestApp();
    await expectError(await ctx.app.request("/jobs/nope/events"), 404, "job_not_found");
  });

  it("sends a keep-alive comment while nothing happens", async () => {
    ctx = buildTestApp({ sseHeartbeatMs: 50 });
    const id = await submit();
    const stream = await open(`/jobs/${id}/events`);
    await stream.nextEvent();
    let frame = await stream.next();
    while (!frame.comment) frame = await stream.next();
    expect(frame.comment).toBe("keep-alive");
  });
});

describe("GET /events", () => {
  it("carries every job's changes, and replays the missed ones after Last-Event-ID", async () => {
    ctx = buildTestApp();
    const stream = await open("/events");
    const a = await submit();
    const queued = await stream.nextEvent();
    expect(queued).toMatchObject({ event: "status" });
    expect(JSON.parse(queued.data)).toMatchObject({ job_id: a, status: "queued" });
    await stream.close();

    // Missed while disconnected:
    const b = await submit();
    ctx.store.markActive(a, new Date().toISOString(), 1);
    const again = await open("/events", { "last-event-id": queued.id });
    const missed = [await again.nextEvent(), await again.nextEvent()].map((e) => [JSON.parse(e.data).job_id, e.event]);
    expect(missed).toEqual([
      [b, "status"],
      [a, "status"],
    ]);
  });

  it("sends the state of what changed since when it no longer holds the gap", async () => {
    ctx = buildTestApp();
    const a = await submit();
    // An id from long before this API started: the log cannot fill the gap.
    const stream = await open("/events", { "last-event-id": String((Date.now() - 60_000) * 1000) });
    const state = await stream.nextEvent();
    expect(state.event).toBe("status");
    expect(JSON.parse(state.data)).toMatchObject({ job_id: a, status: "queued" });
  });

  it("sends a returning client the jobs that changed since it left, not every job that waited all along", async () => {
    ctx = buildTestApp();
    await submit(); // waits all along: not sent
    const [b, c] = [await submit(), await submit()];
    // Queued ten minutes ago and untouched since (set directly: the triggers keep an explicit changed_at).
    const tenMinutesAgo = new Date(Date.now() - 600_000).toISOString();
    ctx.db.$client.prepare("UPDATE jobs SET changed_at = ?").run(tenMinutesAgo);
    ctx.store.markActive(b, new Date().toISOString(), 1);
    const stream = await open("/events", { "last-event-id": String((Date.now() - 300_000) * 1000) });
    expect(JSON.parse((await stream.nextEvent()).data)).toMatchObject({ job_id: b, status: "in_progress" });
    // Next comes the live event: neither the job that waited all along nor c as it stood came before it.
    ctx.store.markActive(c, new Date().toISOString(), 1);
    expect(JSON.parse((await stream.nextEvent()).data)).toMatchObject({ job_id: c, status: "in_progress" });
  });

  it("sends a catch-up longer than a slow client's allowance in full, then the live events", async () => {
    ctx = buildTestApp();
    const live = 1_500; // more than the 1,000 events a client that does not read may fall behind
    for (let n = 0; n < live; n++) {
      ctx.store.insertIfOutputFree(
        queuedJobRow(`deep-${String(n).padStart(5, "0")}`, {
          input: "incoming/clip.mkv",
          output: `out/deep-${n}.mp4`,
          createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
        }),
      );
    }
    const stream = await open("/events", { "last-event-id": String((Date.now() - 60_000) * 1000) });
    const caughtUp: string[] = [];
    for (let n = 0; n < live; n++) caughtUp.push(JSON.parse((await stream.nextEvent()).data).job_id);
    expect(caughtUp).toHaveLength(live);
    expect(new Set(caughtUp).size).toBe(live);
    ctx.store.markActive("deep-00000", new Date().toISOString(), 1);
    expect(JSON.parse((await stream.nextEvent()).data)).toMatchObject({ job_id: "deep-00000", status: "in_progress" });
  });
});

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../support/media.js";
import { type SseEvent, sseReader } from "../support/sse-reader.js";
import { Deployment, errorOf, type Job } from "./harness.js";

const API_KEY = "events-e2e-key-0123456789abcdef";
const deployment = new Deployment({ API_KEY });
const auth = { "x-api-key": API_KEY };

beforeAll(async () => {
  await makeClip(path.join(deployment.mediaRoot, "incoming", "clip.mkv"), { width: 640, height: 360, seconds: 4 });
  await deployment.startApi();
  await deployment.startWorker();
});
afterAll(() => deployment.destroy());

async function openStream(route: string, headers: Record<string, string> = {}) {
  const res = await deployment.request(route, { headers: { ...auth, ...headers } });
  expect(res.status).toBe(200);
  return sseReader(res, 60_000);
}

/** Events until (and with) the job's end event. */
async function untilEnd(stream: ReturnType<typeof sseReader>, jobId: string): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (;;) {
    const event = await stream.nextEvent();
    if (JSON.parse(event.data).job_id !== jobId) continue;
    seen.push(event);
    if (["completed", "failed", "cancelled"].includes(event.event)) return seen;
  }
}

describe("live job events over HTTP (real api, worker, Redis and ffmpeg)", () => {
  it("refuses a stream without the API key", async () => {
    expect(await errorOf(await deployment.request("/events"))).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("streams a job from queued to completed, and replays it after Last-Event-ID", async () => {
    const all = await openStream("/events");
    const res = await deployment.convert({ input: "incoming/clip.mkv", preset: "h264-720p" }, auth);
    const job = (await res.json()) as Job;
    const one = await openStream(`/jobs/${job.job_id}/events`);

    const events = await untilEnd(all, job.job_id);
    const kinds = events.map((e) => `${e.event}:${JSON.parse(e.data ?? "{}").status}`);
    console.log(`EVENTS of ${job.job_id}: ${kinds.join(" ")}`);
    expect(kinds[0]).toBe("status:queued");
    expect(kinds).toContain("status:in_progress");
    expect(kinds.at(-1)).toBe("completed:completed");
    const progress = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data ?? "{}").progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const ids = events.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(JSON.parse(events.at(-1)?.data ?? "{}")).toEqual(await deployment.job(job.job_id, auth));

    // The one-job stream saw the same end.
    const own = await untilEnd(one, job.job_id);
    expect(own.at(-1)?.event).toBe("completed");
    await Promise.all([all.close(), one.close()]);

    // A client that dropped after the first event gets every later one, with the same ids.
    const again = await openStream("/events", { "last-event-id": events[0]?.id ?? "" });
    const replayed = await untilEnd(again, job.job_id);
    expect(replayed.map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));
    await again.close();
  });
});

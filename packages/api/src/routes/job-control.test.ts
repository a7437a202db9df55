import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert, sampleReturn } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

type Job = Record<string, unknown> & { job_id: string; status: string };

const post = (body: unknown, headers: Record<string, string> = {}) => postConvert(ctx.app, body, headers);

async function submit(body: unknown = { input: "incoming/clip.mkv" }): Promise<Job> {
  const res = await post(body);
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

const cancel = (id: string) => ctx.app.request(`/jobs/${id}`, { method: "DELETE" });
const retry = (id: string) => ctx.app.request(`/jobs/${id}/retry`, { method: "POST" });

describe("DELETE /jobs/{job_id}", () => {
  it("cancels a queued job: off the queue, marker left for workers, 200 cancelled", async () => {
    ctx = buildTestApp();
    const job = await submit();
    const res = await cancel(job.job_id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Job;
    expect(body).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    expect(body.finished_at).not.toBeNull();
    expect(ctx.queue.states.has(job.job_id)).toBe(false);
    expect(ctx.queue.cancelMarkers.has(job.job_id)).toBe(true);
  });

  it("tells the webhook notifier about a cancel it records itself", async () => {
    const finished: string[] = [];
    ctx = buildTestApp({ webhooks: { jobFinished: async (id) => void finished.push(id) } });
    const job = await submit();
    await cancel(job.job_id);
    expect(finished).toEqual([job.job_id]);
  });

  it("records a running job cancelled once the worker confirms", async () => {
    ctx = buildTestApp({ cancelWaitMs: 5000 });
    const job = await submit();
    ctx.queue.states.set(job.job_id, "active");
    ctx.store.markActive(job.job_id, new Date().toISOString(), 1);
    const answer = cancel(job.job_id);
    // The worker's failure event, as the events consumer records it.
    setTimeout(
      () =>
        ctx.store.markFailed(
          job.job_id,
          { code: "cancelled", message: "the job was cancelled by a client request" },
          new Date().toISOString(),
          undefined,
        ),
      150,
    );
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
  });

  it("ends a running job cancelled even when no worker confirms in time", async () => {
    ctx = buildTestApp({ cancelWaitMs: 200 });
    const job = await submit();
    ctx.queue.states.set(job.job_id, "active");
    const res = await cancel(job.job_id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled" });
    expect(ctx.queue.cancelMarkers.has(job.job_id)).toBe(true);
  });

  it("answers 409 job_finished when the job completed before the worker heard of the cancel", async () => {
    ctx = buildTestApp({ cancelWaitMs: 5000 });
    const job = await submit();
    ctx.queue.states.set(job.job_id, "active");
    setTimeout(() => ctx.store.markCompleted(job.job_id, sampleReturn, new Date().toISOString(), undefined), 100);
    await expectError(await cancel(job.job_id), 409, "job_finished");
  });

  it.each(["completed", "failed", "cancelled"])("answers 409 job_finished for a %s job", async (status) => {
    ctx = buildTestApp();
    const job = await submit();
    const at = new Date().toISOString();
    if (status === "completed") ctx.store.markCompleted(job.job_id, sampleReturn, at, undefined);
    else
      ctx.store.markFailed(
        job.job_id,
        { code: status === "failed" ? "ffmpeg_failed" : "cancelled", message: "x" },
        at,
        undefined,
      );
    await expectError(await cancel(job.job_id), 409, "job_finished");
  });

  it("answers 409 job_finished for a job that ended on the worker but is not recorded yet", async () => {
    ctx = buildTestApp({ cancelWaitMs: 5000 });
    const job = await submit();
    ctx.queue.states.set(job.job_id, "finished");
    setTimeout(() => ctx.store.markCompleted(job.job_id, sampleReturn, new Date().toISOString(), undefined), 100);
    await expectError(await cancel(job.job_id), 409, "job_finished");
    expect(ctx.views.get(job.job_id)?.status).toBe("completed");
  });

  it("answers 404 for an unknown job and 503 when Redis is unreachable", async () => {
    ctx = buildTestApp();
    await expectError(await cancel("nope"), 404, "job_not_found");
    const job = await submit();
    ctx.queue.failWith = new Error("redis down");
    await expectError(await cancel(job.job_id), 503, "redis_unavailable");
    ctx.queue.failWith = undefined;
    expect(ctx.views.get(job.job_id)?.status).toBe("queued");
  });
});

describe("POST /jobs/{job_id}/retry", () => {
  it("queues a failed job again under the same id, counting retries and attempts on", async () => {
    ctx = buildTestApp();
    const job = await submit({ input: "incoming/clip.mkv", priority: 8 });
    ctx.store.markActive(job.job_id, new Date().toISOString(), 3);
    ctx.store.markFailed(job.job_id, { code: "ffmpeg_failed", message: "boom" }, new Date().toISOString(), undefined);
    ctx.queue.states.delete(job.job_id);

    const res = await retry(job.job_id);
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/status/${job.job_id}`);
    expect(await res.json()).toMatchObject({
      job_id: job.job_id,
      status: "queued",
      progress: 0,
      error: null,
      finished_at: null,
      retries: 1,
      attempts: 3,
    });
    expect(ctx.queue.added.at(-1)).toMatchObject({ data: { job_id: job.job_id }, priority: 8 });

    // The next run's first attempt is the fourth in all.
    ctx.store.markActive(job.job_id, new Date().toISOString(), 1);
    expect(ctx.views.get(job.job_id)?.attempts).toBe(4);
  });

  it("queues a cancelled job again and removes its cancel marker", async () => {
    ctx = buildTestApp();
    const job = await submit();
    await cancel(job.job_id);
    const res = await retry(job.job_id);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "queued", retries: 1, error: null });
    expect(ctx.queue.cancelMarkers.has(job.job_id)).toBe(false);
  });

  it.each(["queued", "in_progress", "completed"])("answers 409 job_not_retryable for a %s job", async (status) => {
    ctx = buildTestApp();
    const job = await submit();
    if (status === "in_progress") ctx.store.markActive(job.job_id, new Date().toISOString(), 1);
    if (status === "completed") ctx.store.markCompleted(job.job_id, sampleReturn, new Date().toISOString(), undefined);
    await expectError(await retry(job.job_id), 409, "job_not_retryable");
  });

  it("answers 409 output_exists when the output appeared or another live job writes it", async () => {
    ctx = buildTestApp();
    const first = await submit({ input: "incoming/clip.mkv", output: "out/a.mp4" });
    await cancel(first.job_id);
    const second = await submit({ input: "incoming/clip.mkv", output: "out/a.mp4" });
    await expectError(await retry(first.job_id), 409, "output_exists");

    await cancel(second.job_id);
    mkdirSync(path.join(ctx.mediaRoot, "out"), { recursive: true });
    writeFileSync(path.join(ctx.mediaRoot, "out", "a.mp4"), "someone else's file");
    await expectError(await retry(first.job_id), 409, "output_exists");
  });

  it("queues a job once for concurrent retries; the others answer 409 job_not_retryable", async () => {
    ctx = buildTestApp();
    const job = await submit();
    await cancel(job.job_id);
    const answers = await Promise.all(Array.from({ length: 6 }, () => retry(job.job_id)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409]);
    for (const res of answers.filter((r) => r.status === 409)) await expectError(res, 409, "job_not_retryable");
    expect(ctx.views.get(job.job_id)).toMatchObject({ status: "queued", retries: 1 });
  });

  it("leaves the job as it was when Redis is unreachable", async () => {
    ctx = buildTestApp();
    const job = await submit();
    await cancel(job.job_id);
    ctx.queue.failWith = new Error("redis down");
    await expectError(await retry(job.job_id), 503, "redis_unavailable");
    expect(ctx.views.get(job.job_id)).toMatchObject({ status: "cancelled", retries: 0 });
  });

  it("answers 409 while a worker still holds the job, keeping its cancel marker, and 404 for an unknown one", async () => {
    ctx = buildTestApp();
    const job = await submit();
    ctx.queue.states.set(job.job_id, "active");
    await cancel(job.job_id); // no worker confirms: recorded cancelled, the marker stays
    await expectError(await retry(job.job_id), 409, "job_not_retryable");
    expect(ctx.views.get(job.job_id)).toMatchObject({ status: "cancelled", retries: 0 });
    // The run that is still stopping, or that takes the job over, must still find the marker.
    expect(ctx.queue.cancelMarkers.has(job.job_id)).toBe(true);
    await expectError(await retry("nope"), 404, "job_not_found");
  });
});

describe("Idempotency-Key on POST /convert", () => {
  const body = { input: "incoming/clip.mkv", preset: "h264-720p", priority: 3 };

  it("gives the original job back for the same key and body", async () => {
    ctx = buildTestApp();
    const first = await post(body, { "idempotency-key": "order-1" });
    expect(first.status).toBe(202);
    const job = (await first.json()) as Job;
    // Same fields in another order are the same body.
    const again = await post(
      { priority: 3, preset: "h264-720p", input: "incoming/clip.mkv" },
      { "idempotency-key": "order-1" },
    );
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/status/${job.job_id}`);
    expect(((await again.json()) as Job).job_id).toBe(job.job_id);
    expect(ctx.queue.added).toHaveLength(1);
  });

  it("refuses the same key with another body (422 idempotency_mismatch)", async () => {
    ctx = buildTestApp();
    expect((await post(body, { "idempotency-key": "order-2" })).status).toBe(202);
    await expectError(
      await post({ ...body, priority: 4 }, { "idempotency-key": "order-2" }),
      422,
      "idempotency_mismatch",
    );
    expect(ctx.queue.added).toHaveLength(1);
  });

  it("creates one job for concurrent duplicates", async () => {
    ctx = buildTestApp();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body, { "idempotency-key": "burst" })));
    const ids = new Set<string>();
    for (const res of answers) {
      expect([200, 202]).toContain(res.status);
      ids.add(((await res.json()) as Job).job_id);
    }
    expect(ids.size).toBe(1);
    expect(answers.filter((r) => r.status === 202)).toHaveLength(1);
    expect(ctx.queue.added).toHaveLength(1);
  });

  it("remembers a key for 24 hours, then treats it as new", async () => {
    let now = Date.parse("2026-11-25T12:00:00Z");
    ctx = buildTestApp({ now: () => new Date(now) });
    const first = (await (await post(body, { "idempotency-key": "daily" })).json()) as Job;
    now += 23 * 3600 * 1000;
    const replay = await post(body, { "idempotency-key": "daily" });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as Job).job_id).toBe(first.job_id);
    await cancel(first.job_id); // frees the output for the next submission
    now += 2 * 3600 * 1000;
    const fresh = await post({ ...body, priority: 9 }, { "idempotency-key": "daily" });
    expect(fresh.status).toBe(202);
    expect(((await fresh.json()) as Job).job_id).not.toBe(first.job_id);
  });

  it("forgets a key whose submission was not accepted", async () => {
    ctx = buildTestApp();
    ctx.queue.failWith = new Error("redis down");
    await expectError(await post(body, { "idempotency-key": "order-3" }), 503, "redis_unavailable");
    ctx.queue.failWith = undefined;
    expect((await post(body, { "idempotency-key": "order-3" })).status).toBe(202);
  });

  it("keeps keys apart from jobs without one", async () => {
    ctx = buildTestApp();
    expect((await post({ ...body, output: "a.mp4" })).status).toBe(202);
    expect((await post({ ...body, output: "b.mp4" }, { "idempotency-key": "k" })).status).toBe(202);
    expect((await post({ ...body, output: "c.mp4" }, { "idempotency-key": "k2" })).status).toBe(202);
    expect(ctx.queue.added).toHaveLength(3);
  });

  it.each(["has space", "x".repeat(256), "tab\tkey"])("refuses the key %j with 422 validation_failed", async (key) => {
    ctx = buildTestApp();
    const res = await post(body, { "idempotency-key": key });
    expect(res.status).toBe(422);
    const error = ((await res.json()) as { error: { code: string; details: { field: string } } }).error;
    expect(error.code).toBe("validation_failed");
    expect(error.details.field).toBe("idempotency-key");
  });
});

describe("Idempotency-Key in the OpenAPI document", () => {
  it("has no example value, so Swagger UI's Try it out sends no fixed key", async () => {
    ctx = buildTestApp();
    const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
      paths: {
        "/convert": { post: { parameters: { name: string; in: string; example?: unknown; schema?: object }[] } };
      };
    };
    const param = doc.paths["/convert"].post.parameters.find((p) => p.name === "idempotency-key");
    expect(param).toMatchObject({ in: "header" });
    expect(JSON.stringify(param)).not.toMatch(/"examples?"/);
  });
});

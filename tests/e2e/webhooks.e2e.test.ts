import { createHmac, timingSafeEqual } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, makeClip } from "../support/media.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";
import { Deployment, errorOf, type Job } from "./harness.js";

const SECRET = "e2e-webhook-secret-0123456789";

let deployment: Deployment | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await deployment?.destroy();
  await receiver?.close();
  deployment = undefined;
  receiver = undefined;
});

/** What API_DOCUMENTATION.md tells a receiver to do, written out independently of the API's own helper. */
function verify(header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !parts.v1) return false;
  const expected = createHmac("sha256", SECRET).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("webhooks (real api and worker processes)", () => {
  it("POSTs the completed job once to webhook_url, signed with WEBHOOK_SECRET", async () => {
    receiver = await WebhookReceiver.start();
    deployment = new Deployment({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: "true" });
    await makeClip(path.join(deployment.mediaRoot, "in.mkv"), { seconds: 1 });
    await deployment.startApi();
    await deployment.startWorker();

    const res = await deployment.convert({ input: "in.mkv", webhook_url: receiver.url("/converter?k=1") });
    expect(res.status).toBe(202);
    const submitted = (await res.json()) as Job;
    expect(submitted).toMatchObject({ webhook_url: receiver.url("/converter?k=1"), webhook: null });

    const { job } = await deployment.waitForEnd(submitted.job_id);
    expect(job.status).toBe("completed");
    const delivered = await eventually(
      async () => {
        const current = await deployment?.job(submitted.job_id);
        return (current?.webhook as { status: string } | null)?.status === "delivered" ? current : undefined;
      },
      { what: "the webhook to be delivered" },
    );
    expect(delivered.webhook).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 200 });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) throw new Error("no request");
    expect(request.path).toBe("/converter?k=1");
    expect(request.headers["x-converter-event"]).toBe("job.completed");
    expect(request.headers["x-converter-delivery"]).toBe(`${submitted.job_id}-r0`);
    expect(request.headers["user-agent"]).toMatch(/^ffmpeg-converter\/\d+\.\d+\.\d+/);
    expect(verify(request.headers["x-converter-signature"] as string, request.body)).toBe(true);
    const body = JSON.parse(request.body) as Job;
    expect(body).toMatchObject({
      job_id: submitted.job_id,
      status: "completed",
      progress: 100,
      result: job.result,
      finished_at: job.finished_at,
    });

    // The API never logs the secret.
    expect(deployment.api?.output.join("\n")).not.toContain(SECRET);
  });

  it("refuses a loopback webhook_url with 422 when WEBHOOK_ALLOW_PRIVATE is unset", async () => {
    deployment = new Deployment({ WEBHOOK_SECRET: SECRET });
    await makeClip(path.join(deployment.mediaRoot, "in.mkv"), { seconds: 1 });
    await deployment.startApi();

    const res = await deployment.convert({ input: "in.mkv", webhook_url: "http://127.0.0.1:9/" });
    const error = await errorOf(res);
    expect(error).toMatchObject({ status: 422, code: "validation_failed" });
    expect(error.message).toMatch(/^webhook_url: 127\.0\.0\.1 is a loopback address/);

    const body = (await (
      await deployment.convert({ input: "in.mkv", webhook_url: "http://[::ffff:7f00:1]:9/" })
    ).json()) as { error: { details: { field: string } } };
    expect(body.error.details.field).toBe("webhook_url");
    const listed = (await (await deployment.request("/jobs")).json()) as { jobs: Job[] };
    expect(listed.jobs).toHaveLength(0);
  });
});

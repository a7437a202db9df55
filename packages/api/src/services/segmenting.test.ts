import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, expectError, postConvert } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const post = (body: unknown) => postConvert(ctx.app, body);

describe("options.segments at submit (ADR 0026)", () => {
  it("refuses segments on a job that encodes no video, or converts the frame rate", async () => {
    ctx = buildTestApp();
    for (const options of [
      { video_codec: "copy", segments: "auto" },
      { video_codec: "none", container: "m4a", audio_codec: "aac", segments: 10 },
      { fps: 24, segments: 10 },
    ]) {
      const body = await expectError(await post({ input: "incoming/clip.mkv", options }), 422, "segments_unsupported");
      expect(body.error.details).toEqual({ field: "options.segments" });
    }
    expect(ctx.queue.added).toHaveLength(0);
  });

  it("refuses a segment length out of bounds, or another word than auto", async () => {
    ctx = buildTestApp();
    for (const segments of [0.5, 3601, "many", null, -1]) {
      await expectError(await post({ input: "incoming/clip.mkv", options: { segments } }), 422, "validation_failed");
    }
  });

  it("keeps segments out of the resolved options", async () => {
    ctx = buildTestApp();
    const res = await post({ input: "incoming/clip.mkv", options: { segments: "auto", crf: 30 } });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { options: Record<string, unknown>; segments: unknown };
    expect(job.options).not.toHaveProperty("segments");
    expect(job.options.crf).toBe(30);
    // Without a segmenting setup (no ffprobe here) the job runs in a single pass.
    expect(job.segments).toBeNull();
  });

  it("shows segmented jobs and their children in the OpenAPI document", async () => {
    ctx = buildTestApp();
    const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const schemas = doc.components.schemas;
    expect(schemas.Job?.properties).toHaveProperty("segments");
    expect(schemas.ConvertOptions?.properties).toHaveProperty("segments");
    expect(schemas.Segments?.properties).toHaveProperty("children");
    expect(Object.keys(schemas.SegmentChild?.properties ?? {}).sort()).toEqual(
      ["attempts", "end", "id", "index", "kind", "progress", "start", "status", "worker"].sort(),
    );
  });
});

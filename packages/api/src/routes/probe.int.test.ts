import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeClip } from "../../../../tests/support/media.js";
import { buildTestApp, expectError } from "../test-support.js";

let ctx: ReturnType<typeof buildTestApp>;
afterEach(() => ctx?.cleanup());

const probe = (body: unknown) =>
  ctx.app.request("/probe", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("POST /probe (real ffprobe)", () => {
  it("describes the container, duration, size and each stream", async () => {
    ctx = buildTestApp();
    await makeClip(path.join(ctx.mediaRoot, "incoming", "real.mkv"), { width: 320, height: 240, seconds: 1, rate: 25 });
    const res = await probe({ input: "incoming/real.mkv" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      input: "incoming/real.mkv",
      container: "matroska,webm",
      size_bytes: expect.any(Number),
      streams: [
        {
          index: 0,
          type: "video",
          codec: "h264",
          width: 320,
          height: 240,
          frame_rate: 25,
          pix_fmt: "yuv420p",
          bit_depth: 8,
          channels: null,
          attached_pic: false,
        },
        { index: 1, type: "audio", codec: "aac", profile: "LC", channels: 1, sample_rate: 48000, width: null },
      ],
    });
    expect(body.duration_seconds).toBeCloseTo(1, 0);
  });

  it.each([
    ["incoming/clip.mkv", 422, "invalid_media"],
    ["incoming/list.ffconcat", 422, "invalid_media"],
    ["incoming/missing.mkv", 404, "input_not_found"],
    ["../etc/passwd", 422, "invalid_path"],
  ])("refuses %s with %i %s", async (input, status, code) => {
    ctx = buildTestApp();
    // A concat list would open other files: its demuxer is not on the allowlist (ADR 0007).
    writeFileSync(path.join(ctx.mediaRoot, "incoming", "list.ffconcat"), "ffconcat version 1.0\nfile /etc/passwd\n");
    const body = await expectError(await probe({ input }), status, code);
    expect(body.error.message).not.toContain(ctx.mediaRoot);
  });

  it("refuses a body that is not a probe request", async () => {
    ctx = buildTestApp();
    await expectError(await probe({ input: "incoming/clip.mkv", extra: 1 }), 422, "validation_failed");
  });
});

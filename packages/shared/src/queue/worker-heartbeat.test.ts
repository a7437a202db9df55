import { describe, expect, it } from "vitest";
import { parseWorkerHeartbeat, type WorkerHeartbeat } from "./worker-heartbeat.js";

const beat: WorkerHeartbeat = {
  name: "gpu-node-1",
  hardware: "auto",
  concurrency: 2,
  encoders: { h264_nvenc: false },
  active_jobs: 1,
  started_at: "2026-11-27T08:00:00.000Z",
};

describe("worker heartbeat", () => {
  it("reads back what a worker wrote", () => {
    expect(parseWorkerHeartbeat(JSON.stringify(beat))).toEqual(beat);
  });

  it.each([
    ["a missing key", null],
    ["not JSON", "{"],
    ["another shape", JSON.stringify({ ...beat, concurrency: "two" })],
    ["an unknown hardware mode", JSON.stringify({ ...beat, hardware: "tpu" })],
  ])("skips %s", (_, value) => {
    expect(parseWorkerHeartbeat(value)).toBeUndefined();
  });
});

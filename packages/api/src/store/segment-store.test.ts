import type { SegmentPlan } from "@converter/shared/queue";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./db.js";
import { JobStore } from "./job-store.js";
import { overallPercent, SegmentStore } from "./segment-store.js";

const ID = "0b6f4c2e-8a5d-4d7e-9c1a-2f3e4d5c6b7a";
const plan: SegmentPlan = {
  length_seconds: 4,
  reason: "requested",
  frame_seconds: 0.04,
  expected_frames: 250,
  expected_duration: 10,
  video: [
    { index: 0, start: 0, end: 4, frames: 100 },
    { index: 1, start: 4, end: 10, frames: 150 },
  ],
  audio: true,
};

function storeWithJob() {
  const db = openDatabase(":memory:");
  const jobs = new JobStore(db);
  const options = { container: "mp4", video_codec: "h264", hardware: "cpu" };
  jobs.insertIfOutputFree({
    id: ID,
    status: "queued",
    input: "in.mp4",
    output: "out.mp4",
    preset: "p",
    options,
    overwrite: false,
    priority: 5,
    requestId: "r",
    createdAt: new Date(0).toISOString(),
    segmentPlan: plan,
    segments: SegmentStore.initialView(ID, plan),
  });
  return { jobs, segments: new SegmentStore(db, jobs) };
}

const progress = (percent: number, worker: string) => ({
  percent,
  fps: 30,
  speed: 1,
  eta_seconds: 3,
  encoder: "libx264",
  worker,
});

describe("SegmentStore", () => {
  it("starts with every child queued, the audio spanning the whole job", () => {
    expect(SegmentStore.initialView(ID, plan).children).toEqual([
      {
        id: `${ID}-v0`,
        kind: "video",
        index: 0,
        start: 0,
        end: 4,
        status: "queued",
        progress: 0,
        worker: null,
        attempts: 0,
      },
      {
        id: `${ID}-v1`,
        kind: "video",
        index: 1,
        start: 4,
        end: 10,
        status: "queued",
        progress: 0,
        worker: null,
        attempts: 0,
      },
      {
        id: `${ID}-a`,
        kind: "audio",
        index: null,
        start: 0,
        end: 10,
        status: "queued",
        progress: 0,
        worker: null,
        attempts: 0,
      },
    ]);
  });

  it("records each child's progress and worker, and the job's progress weighted by the children's spans", () => {
    const { jobs, segments } = storeWithJob();
    segments.childProgress(ID, { kind: "video", index: 0 }, progress(50, "w1"));
    segments.childProgress(ID, { kind: "video", index: 1 }, progress(20, "w2"));
    const view = segments.read(ID);
    expect(view?.children.map((c) => [c.status, c.progress, c.worker])).toEqual([
      ["in_progress", 50, "w1"],
      ["in_progress", 20, "w2"],
      ["queued", 0, null],
    ]);
    // (4 × 50 + 6 × 20 + 1 × 0) / (4 + 6 + 10 × 0.1)
    const row = jobs.getRow(ID);
    expect(row?.progress).toBeCloseTo(320 / 11, 6);
    expect(row).toMatchObject({ status: "in_progress", worker: "w2", fps: null, etaSeconds: null });
  });

  it("shows a completed child at 100", () => {
    const { segments } = storeWithJob();
    const view = segments.updateChild(ID, { kind: "audio", index: null }, { status: "completed", worker: "w1" });
    expect(view?.children[2]).toMatchObject({ status: "completed", progress: 100, worker: "w1" });
    expect(overallPercent(view ?? SegmentStore.initialView(ID, plan))).toBeCloseTo(100 / 11, 6);
  });
});

import { describe, expect, it } from "vitest";
import { ProgressParser, type ProgressSample } from "./progress-parser.js";
import { expectedDuration, ProgressTracker } from "./progress-tracker.js";

const BLOCK = [
  "frame=120",
  "fps=59.87",
  "stream_0_0_q=28.0",
  "bitrate=1024.0kbits/s",
  "total_size=524288",
  "out_time_us=4000000",
  "out_time_ms=4000000",
  "out_time=00:00:04.000000",
  "dup_frames=0",
  "drop_frames=0",
  "speed=1.99x",
  "progress=continue",
  "",
].join("\n");

describe("ProgressParser", () => {
  it("reads one sample per block, across arbitrary chunk boundaries", () => {
    const samples: ProgressSample[] = [];
    const parser = new ProgressParser((s) => samples.push(s));
    const text = `${BLOCK}${BLOCK.replace("progress=continue", "progress=end")}`;
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    expect(samples).toEqual([
      { outTimeSeconds: 4, fps: 59.87, speed: 1.99 },
      { outTimeSeconds: 4, fps: 59.87, speed: 1.99 },
    ]);
  });

  it("copes with N/A values at the start of an encode", () => {
    const samples: ProgressSample[] = [];
    const parser = new ProgressParser((s) => samples.push(s));
    parser.push("fps=0.00\nout_time_us=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n");
    expect(samples).toEqual([{ outTimeSeconds: null, fps: 0, speed: null }]);
  });

  it("falls back to out_time when out_time_us is missing", () => {
    const samples: ProgressSample[] = [];
    new ProgressParser((s) => samples.push(s)).push("out_time=01:02:03.500000\nprogress=continue\n");
    expect(samples[0]?.outTimeSeconds).toBe(3723.5);
  });
});

describe("ProgressTracker", () => {
  const sample = (outTimeSeconds: number | null, speed: number | null = 2): ProgressSample => ({
    outTimeSeconds,
    fps: 30,
    speed,
  });

  it("reports percent of the duration with an ETA from the speed", () => {
    let now = 0;
    const tracker = new ProgressTracker(10, 1000, () => now);
    expect(tracker.next(sample(2.5))).toEqual({ percent: 25, fps: 30, speed: 2, eta_seconds: 4 });
    now = 1000;
    expect(tracker.next(sample(5))?.percent).toBe(50);
  });

  it("never goes down and never reaches 100 before the end", () => {
    let now = 0;
    const tracker = new ProgressTracker(10, 0, () => now++);
    expect(tracker.next(sample(6))?.percent).toBe(60);
    expect(tracker.next(sample(3))?.percent).toBe(60);
    expect(tracker.next(sample(12))?.percent).toBe(99.9);
  });

  it("throttles reports to one per interval", () => {
    let now = 0;
    const tracker = new ProgressTracker(10, 1000, () => now);
    expect(tracker.next(sample(1))).toBeDefined();
    now = 400;
    expect(tracker.next(sample(2))).toBeUndefined();
    now = 1000;
    expect(tracker.next(sample(3))?.percent).toBe(30);
  });

  it("reports no percent or ETA when the duration is unknown", () => {
    const tracker = new ProgressTracker(null, 0);
    expect(tracker.next(sample(5))).toEqual({ percent: 0, fps: 30, speed: 2, eta_seconds: null });
  });
});

describe("expectedDuration", () => {
  it("is the input after start, capped by duration", () => {
    expect(expectedDuration(10, { start: null, duration: null })).toBe(10);
    expect(expectedDuration(10, { start: 4, duration: null })).toBe(6);
    expect(expectedDuration(10, { start: 4, duration: 2 })).toBe(2);
    expect(expectedDuration(10, { start: 9, duration: 5 })).toBe(1);
    expect(expectedDuration(null, { start: 1, duration: 5 })).toBe(5);
    expect(expectedDuration(null, { start: null, duration: null })).toBeNull();
  });
});

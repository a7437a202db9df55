import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, table } from "./format.js";
import { progressLine } from "./progress-bar.js";

describe("progress line", () => {
  it("draws the bar, percent, speed and ETA of a running job", () => {
    expect(progressLine({ status: "in_progress", progress: 37.5, speed: 3.94, eta_seconds: 6 })).toBe(
      "[###########-------------------]  37.5%  3.9x  ETA 0:06",
    );
  });

  it("says when speed and ETA are not known yet, and when the job waits", () => {
    expect(progressLine({ status: "in_progress", progress: 0, speed: null, eta_seconds: null })).toBe(
      "[------------------------------]   0.0%  -  ETA -",
    );
    expect(progressLine({ status: "queued", progress: 0, speed: null, eta_seconds: null })).toMatch(/^queued/);
  });

  it("keeps the bar inside 0-100%", () => {
    expect(progressLine({ status: "completed", progress: 100, speed: 2, eta_seconds: 0 })).toBe(
      `[${"#".repeat(30)}] 100.0%  2.0x  ETA 0:00`,
    );
  });
});

describe("formatting", () => {
  it("formats sizes, durations and tables", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(["512 B", "1.5 KiB", "5.0 GiB"]);
    expect([formatDuration(6), formatDuration(75), formatDuration(3725)]).toEqual(["0:06", "1:15", "1:02:05"]);
    expect(
      table([
        ["a", "long"],
        ["longer", "b"],
      ]),
    ).toBe("a       long\nlonger  b");
  });
});

import { describe, expect, it } from "vitest";
import { advancedPercent, RUNNING_PROGRESS_CAP, runningPercent, shownPercent } from "./progress-rules.js";

describe("progress rules", () => {
  it("keeps a running job below 100 and above 0", () => {
    expect(runningPercent(100)).toBe(RUNNING_PROGRESS_CAP);
    expect(runningPercent(140)).toBe(99.9);
    expect(runningPercent(-3)).toBe(0);
    expect(runningPercent(42.25)).toBe(42.25);
  });

  it("never goes down", () => {
    expect(advancedPercent(50, 40)).toBe(50);
    expect(advancedPercent(50, 60)).toBe(60);
    expect(advancedPercent(99.9, 120)).toBe(99.9);
  });

  it("shows a tenth", () => {
    expect(shownPercent(42.25)).toBe(42.3);
    expect(shownPercent(33.333)).toBe(33.3);
  });
});

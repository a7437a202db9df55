import { describe, expect, it } from "vitest";
import { stopReasonOf } from "./stop-reason.js";

describe("stopReasonOf", () => {
  it("recognises the reasons the worker passes to cancelJob and to its own abort", () => {
    expect(stopReasonOf("cancelled")).toBe("cancelled");
    expect(stopReasonOf("lost_lock")).toBe("lost_lock");
  });

  it("recognises nothing else", () => {
    for (const reason of [undefined, "toString", "Cancelled", new Error("cancelled"), { reason: "cancelled" }]) {
      expect(stopReasonOf(reason)).toBeUndefined();
    }
  });
});

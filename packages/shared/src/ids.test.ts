import { describe, expect, it } from "vitest";
import { JOB_ID_PATTERN, newJobId } from "./ids.js";

describe("newJobId", () => {
  it("makes UUIDv7 ids", () => {
    expect(newJobId()).toMatch(JOB_ID_PATTERN);
  });

  it("sorts in creation order, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, () => newJobId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

import { describe, expect, it } from "vitest";
import { parseRange } from "./byte-range.js";

describe("parseRange", () => {
  it.each([
    [undefined, { kind: "whole" }],
    ["bytes=0-99", { kind: "part", start: 0, end: 99 }],
    ["bytes=100-", { kind: "part", start: 100, end: 999 }],
    ["bytes=900-5000", { kind: "part", start: 900, end: 999 }],
    ["bytes=-100", { kind: "part", start: 900, end: 999 }],
    ["bytes=-5000", { kind: "part", start: 0, end: 999 }],
    ["BYTES=5-5", { kind: "part", start: 5, end: 5 }],
    ["bytes=999-", { kind: "part", start: 999, end: 999 }],
    ["bytes=1000-", { kind: "unsatisfiable" }],
    ["bytes=1000-2000", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    ["bytes=5-1", { kind: "whole" }],
    ["bytes=0-1,5-6", { kind: "whole" }],
    ["items=0-1", { kind: "whole" }],
    ["bytes=-", { kind: "whole" }],
    ["bytes=abc", { kind: "whole" }],
  ])("%s of a 1000-byte file → %j", (header, ask) => {
    expect(parseRange(header, 1000)).toEqual(ask);
  });

  it("finds nothing to send of an empty file", () => {
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-10", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange(undefined, 0)).toEqual({ kind: "whole" });
  });
});

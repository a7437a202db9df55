import { describe, expect, it } from "vitest";
import { isNotModified, rangeStillValid } from "./preconditions.js";

const current = { etag: '"abc-1"', lastModified: new Date("2026-05-01T10:00:00.500Z") };
const http = (date: string) => new Date(date).toUTCString();

describe("isNotModified", () => {
  it.each([
    [{}, false],
    [{ ifNoneMatch: '"abc-1"' }, true],
    [{ ifNoneMatch: 'W/"abc-1"' }, true],
    [{ ifNoneMatch: '"old", "abc-1"' }, true],
    [{ ifNoneMatch: "*" }, true],
    [{ ifNoneMatch: '"old"' }, false],
    [{ ifModifiedSince: http("2026-05-01T10:00:00Z") }, true],
    [{ ifModifiedSince: http("2026-05-01T09:59:59Z") }, false],
    [{ ifModifiedSince: "not a date" }, false],
    // If-None-Match wins over If-Modified-Since.
    [{ ifNoneMatch: '"old"', ifModifiedSince: http("2026-06-01T00:00:00Z") }, false],
  ])("%j → %s", (headers, expected) => {
    expect(isNotModified(headers, current)).toBe(expected);
  });
});

describe("rangeStillValid", () => {
  it.each([
    [undefined, true],
    ['"abc-1"', true],
    ['"old"', false],
    ['W/"abc-1"', false],
    [http("2026-05-01T10:00:00Z"), true],
    [http("2026-05-01T10:00:01Z"), false],
    ["garbage", false],
  ])("If-Range %s → %s", (ifRange, expected) => {
    expect(rangeStillValid(ifRange, current)).toBe(expected);
  });
});

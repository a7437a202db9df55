import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_NAME_BYTES, safeFileName } from "./safe-file-name.js";

describe("safeFileName", () => {
  it.each([
    ["holiday.mkv", "holiday.mkv"],
    ["Ünïcödé film.mp4", "Ünïcödé film.mp4"],
    ["../../etc/passwd", "passwd"],
    ["..", "upload"],
    [".", "upload"],
    ["", "upload"],
    [null, "upload"],
    ["C:\\fakepath\\clip.mov", "clip.mov"],
    ["dir/sub/clip.mov", "clip.mov"],
    [".hidden.mkv", "hidden.mkv"],
    ["...clip.mkv", "clip.mkv"],
    ["clip.mkv. . ", "clip.mkv"],
    ["a\u0000b\u0001c\u007f\u0085.mkv", "abc.mkv"],
    ["line\nbreak\r.mkv", "line break .mkv"],
    ["clip\u202Evkm.exe", "clipvkm.exe"],
    ["zero\u200Bwidth\uFEFF.mkv", "zerowidth.mkv"],
    ["iso\u2066late\u2069.mkv", "isolate.mkv"],
    ['what?:*"<>|.mkv', "what_______.mkv"],
    ["  lots   of\tspace .mkv", "lots of space .mkv"],
    ["CON", "_CON"],
    ["nul.mkv", "_nul.mkv"],
    ["com1.txt", "_com1.txt"],
    ["console.mkv", "console.mkv"],
    ["-y.mp4", "-y.mp4"],
    ["e\u0301.mkv", "\u00e9.mkv"],
  ])("%j → %j", (raw, safe) => {
    expect(safeFileName(raw)).toBe(safe);
  });

  it("shortens an over-long name on a character boundary and keeps its extension", () => {
    const long = `${"é".repeat(300)}.mkv`;
    const safe = safeFileName(long);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(safe.endsWith(".mkv")).toBe(true);
    expect(safe).toMatch(/^é+\.mkv$/);
    expect(safeFileName("x".repeat(1000))).toBe("x".repeat(MAX_NAME_BYTES));
  });

  it("collapses the blanks a removed control character leaves between them (found by the property below)", () => {
    expect(safeFileName("\u00a1\t\u0000\t\u00a1")).toBe("\u00a1 \u00a1");
  });

  it("always gives one plain, visible, bounded path segment, whatever it is sent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 600 }), (raw) => {
        const safe = safeFileName(raw);
        expect(safe.length).toBeGreaterThan(0);
        expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none is the point
        expect(safe).not.toMatch(/[/\\\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
        expect(safe.startsWith(".")).toBe(false);
        expect(safe).not.toBe("..");
        expect(safeFileName(safe)).toBe(safe);
      }),
      { numRuns: 2000 },
    );
  });
});

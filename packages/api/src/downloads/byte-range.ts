/** What a Range header asks of a file of `size` bytes (RFC 9110 §14). */
export type RangeAsk =
  /** No usable Range: send the whole file (a malformed or multi-range header is ignored, as §14.2 allows). */
  | { kind: "whole" }
  /** One range, inclusive bounds, clamped to the file. */
  | { kind: "part"; start: number; end: number }
  /** A well-formed range that starts past the end: 416 with `Content-Range: bytes * /size`. */
  | { kind: "unsatisfiable" };

const SINGLE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * One byte range of a Range header: `bytes=0-99`, `bytes=100-` (to the end,
 * what `curl -C -` sends) and `bytes=-500` (the last 500). Several ranges at
 * once are answered with the whole file rather than multipart/byteranges:
 * download tools ask for one range at a time.
 */
export function parseRange(header: string | undefined, size: number): RangeAsk {
  if (header === undefined) return { kind: "whole" };
  const match = SINGLE.exec(header);
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix: the last N bytes (all of a shorter file); "-0" asks for nothing.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "part", start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Number(last);
  return { kind: "part", start, end: Math.min(end, size - 1) };
}

/** The validators of one version of a file: what a client compares with its copy. */
export type Validators = { etag: string; lastModified: Date };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** `W/"x"` and `"x"` name the same version in a weak comparison (If-None-Match). */
const opaque = (tag: string) => tag.trim().replace(/^W\//, "");

function parseDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Whether the client's copy is current, so 304 Not Modified answers
 * (RFC 9110 §13.1.2, §13.1.3): If-None-Match when sent, If-Modified-Since
 * only without it.
 */
export function isNotModified(
  headers: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  current: Validators,
): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const tags = headers.ifNoneMatch.split(",").map(opaque);
    return tags.includes("*") || tags.includes(opaque(current.etag));
  }
  const since = parseDate(headers.ifModifiedSince);
  return since !== undefined && seconds(current.lastModified) <= seconds(since);
}

/**
 * Whether a Range request may be honoured (If-Range, RFC 9110 §13.1.5): only
 * when the client's copy is this very version, judged by a strong ETag or by
 * the exact Last-Modified; otherwise the whole file is sent, so a resumed
 * download never splices two versions together.
 */
export function rangeStillValid(ifRange: string | undefined, current: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return value === current.etag;
  const date = parseDate(value);
  return date !== undefined && seconds(date) === seconds(current.lastModified);
}

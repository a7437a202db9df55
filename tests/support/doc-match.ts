/**
 * Compares what a documented example shows with what the API answered
 * (ADR 0029). The document shows a subset: every field it shows must be there.
 *
 * - objects: every documented key is present (a key `"..."` or `"…"` only
 *   says that more fields follow), each value matching;
 * - arrays: `[]` means empty; otherwise each documented element (but `"..."`)
 *   matches some element of the answer;
 * - strings: equal, where `…` or `...` stands for any text, and a UUID, an
 *   ISO-8601 time or a 64-digit hex digest for any other of its kind;
 * - numbers: any number (sizes, speeds and counts differ from run to run);
 * - booleans and `null`: equal.
 */

const ELLIPSIS = new Set(["...", "…"]);
const TOKENS =
  /(…|\.\.\.|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\b[0-9a-f]{64}\b)/;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** The regular expression a documented string stands for. */
export function docPattern(documented: string): RegExp {
  const source = documented
    .split(TOKENS)
    .map((part, k) => {
      if (k % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      if (ELLIPSIS.has(part)) return "[\\s\\S]*";
      if (part.length === 36) return UUID;
      if (part.length === 64) return "[0-9a-f]{64}";
      return "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z";
    })
    .join("");
  return new RegExp(`^${source}$`);
}

export function matchesDoc(documented: string, actual: string): boolean {
  return docPattern(documented).test(actual);
}

/** Every difference between the documented value and the answer, as `path: what`; empty when it matches. */
export function compareDocJson(documented: unknown, actual: unknown, at = "$"): string[] {
  if (documented === null || typeof documented === "boolean") {
    return actual === documented ? [] : [`${at}: documented ${JSON.stringify(documented)}, got ${show(actual)}`];
  }
  if (typeof documented === "number") {
    return typeof actual === "number" ? [] : [`${at}: documented a number, got ${show(actual)}`];
  }
  if (typeof documented === "string") {
    return typeof actual === "string" && matchesDoc(documented, actual)
      ? []
      : [`${at}: documented ${JSON.stringify(documented)}, got ${show(actual)}`];
  }
  if (Array.isArray(documented)) return compareArray(documented, actual, at);
  if (typeof documented === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [`${at}: documented an object, got ${show(actual)}`];
    }
    return Object.entries(documented).flatMap(([key, value]) => {
      if (ELLIPSIS.has(key)) return [];
      if (!(key in actual)) return [`${at}.${key}: documented, missing from the answer`];
      return compareDocJson(value, (actual as Record<string, unknown>)[key], `${at}.${key}`);
    });
  }
  return [`${at}: cannot compare ${typeof documented}`];
}

function compareArray(documented: unknown[], actual: unknown, at: string): string[] {
  if (!Array.isArray(actual)) return [`${at}: documented an array, got ${show(actual)}`];
  if (documented.length === 0) return actual.length === 0 ? [] : [`${at}: documented [], got ${show(actual)}`];
  return documented.flatMap((element, k) => {
    if (typeof element === "string" && ELLIPSIS.has(element)) return [];
    const found = actual.some((candidate) => compareDocJson(element, candidate).length === 0);
    return found ? [] : [`${at}[${k}]: no element of the answer matches ${show(element)}; got ${show(actual)}`];
  });
}

/** Each documented text line (a pattern, as above) is a line of the answer. */
export function compareDocText(documented: string[], actual: string): string[] {
  const lines = actual.split(/\r?\n/);
  return documented
    .filter((line) => !lines.some((candidate) => matchesDoc(line.trim(), candidate.trim())))
    .map((line) => `body: no line matches ${JSON.stringify(line)}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}

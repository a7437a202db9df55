/**
 * Reads the `curl` examples out of a Markdown document (ADR 0029).
 *
 * An example is a fenced `sh` block that calls `curl`. Each `curl` command in
 * it is followed either by a comment line `# → <status> [<one-line JSON>]`,
 * or, for the block's last command, by an `http` block right after the fence:
 * the status line, the headers the document shows, a blank line and the body
 * (JSON, or text lines). A block that polls in a loop (`until`, `while`,
 * `for`) documents no answer. Every other `curl` without a documented answer
 * is an error, so an example cannot silently stop being checked.
 */

export type DocAnswer = {
  status: number;
  /** Lower-case name and the value as documented (a pattern, see doc-match.ts). */
  headers: [string, string][];
  /** The documented JSON body, when there is one. */
  json?: unknown;
  /** The documented text body's non-blank lines, when it is not JSON. */
  text?: string[];
};

export type DocBlock = {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  script: string;
  /** One per `curl` command, in the order they run; empty for a polling block. */
  answers: DocAnswer[];
  /** Shell variables the block assigns, carried to the blocks after it. */
  assigns: string[];
};

const FENCE = /^```\s*([\w-]*)/;
const SHELL = new Set(["sh", "bash", "shell"]);
const CURL = /(^|[\s;(|&`])curl\s/g;
const ARROW = /^\s*#\s*→\s*(\d{3})\b\s*(.*)$/;
const LOOP = /^\s*(until|while|for)\s/;
const ASSIGN = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/;

export function parseDocExamples(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const end = closingFence(lines, i, file);
    const info = open[1] ?? "";
    const body = lines.slice(i + 1, end);
    if (SHELL.has(info) && body.some((l) => countCurls(l) > 0)) {
      const block = readBlock(body, file, i + 1);
      const next = nextFence(lines, end + 1);
      if (next !== undefined && /^```\s*http\s*$/.test(lines[next] ?? "")) {
        const httpEnd = closingFence(lines, next, file);
        attachHttpAnswer(block, lines.slice(next + 1, httpEnd), `${file}:${next + 1}`);
        i = httpEnd;
      } else {
        i = end;
      }
      blocks.push(complete(block, body));
    } else {
      i = end;
    }
  }
  return blocks;
}

function closingFence(lines: string[], open: number, file: string): number {
  for (let j = open + 1; j < lines.length; j++) if (/^```\s*$/.test(lines[j] ?? "")) return j;
  throw new Error(`${file}:${open + 1}: a code block that is never closed`);
}

/** The next line that opens a fence, when nothing but blank lines comes before it. */
function nextFence(lines: string[], from: number): number | undefined {
  for (let j = from; j < lines.length; j++) {
    const line = lines[j] ?? "";
    if (line.trim() === "") continue;
    return FENCE.test(line) ? j : undefined;
  }
  return undefined;
}

function countCurls(line: string): number {
  if (/^\s*#/.test(line)) return 0;
  return [...line.matchAll(CURL)].length;
}

type Pending = Omit<DocBlock, "answers"> & { slots: (DocAnswer | undefined)[]; loop: boolean };

function readBlock(body: string[], file: string, line: number): Pending {
  const block: Pending = { file, line, script: body.join("\n"), assigns: [], slots: [], loop: false };
  let continued = false;
  body.forEach((text, k) => {
    const where = `${file}:${line + 1 + k}`;
    const arrow = ARROW.exec(text);
    if (arrow) {
      const slot = block.slots.findIndex((s) => s === undefined);
      if (slot < 0) throw new Error(`${where}: "# →" with no curl command before it to belong to`);
      block.slots[slot] = { status: Number(arrow[1]), headers: [], ...bodyOf(arrow[2] ?? "", where) };
      return;
    }
    if (!continued) {
      if (LOOP.test(text)) block.loop = true;
      const assign = ASSIGN.exec(text);
      if (assign?.[1] && !block.assigns.includes(assign[1])) block.assigns.push(assign[1]);
    }
    const curls = countCurls(text);
    if (curls > 1) throw new Error(`${where}: one curl command per line, so that each has its own answer`);
    if (curls === 1) block.slots.push(undefined);
    continued = text.trimEnd().endsWith("\\");
  });
  return block;
}

function bodyOf(rest: string, where: string): Pick<DocAnswer, "json"> {
  const trimmed = rest.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return {}; // words for people only
  try {
    return { json: JSON.parse(trimmed) };
  } catch (error) {
    throw new Error(`${where}: the documented answer is not JSON: ${(error as Error).message}`);
  }
}

function attachHttpAnswer(block: Pending, http: string[], where: string): void {
  const status = /^HTTP\/[\d.]+ (\d{3})\b/.exec(http[0] ?? "");
  if (!status) throw new Error(`${where}: an http block starts with a status line such as "HTTP/1.1 200 OK"`);
  const last = block.slots.length - 1;
  if (block.slots[last] !== undefined) throw new Error(`${where}: the last curl already has a "# →" answer`);
  const blank = http.findIndex((l, k) => k > 0 && l.trim() === "");
  const headerLines = http.slice(1, blank < 0 ? http.length : blank);
  const headers = headerLines.map((h): [string, string] => {
    const colon = h.indexOf(":");
    if (colon < 0) throw new Error(`${where}: "${h}" is not a header line`);
    return [h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim()];
  });
  const rest = blank < 0 ? [] : http.slice(blank + 1);
  const text = rest.join("\n").trim();
  const answer: DocAnswer = { status: Number(status[1]), headers };
  if (text.startsWith("{") || text.startsWith("[")) Object.assign(answer, bodyOf(text, where));
  else if (text) answer.text = rest.filter((l) => l.trim() !== "");
  block.slots[last] = answer;
}

function complete(pending: Pending, body: string[]): DocBlock {
  const { slots, loop, ...block } = pending;
  const where = `${block.file}:${block.line}`;
  if (loop) {
    if (slots.some((s) => s !== undefined)) throw new Error(`${where}: a polling block documents no answers`);
    return { ...block, answers: [] };
  }
  const missing = slots.findIndex((s) => s === undefined);
  if (missing >= 0) {
    const curlLine = body.filter((l) => countCurls(l) > 0)[missing];
    throw new Error(`${where}: curl without a documented answer ("# → <status>" or an http block): ${curlLine}`);
  }
  return { ...block, answers: slots as DocAnswer[] };
}

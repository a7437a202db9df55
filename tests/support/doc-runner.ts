import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { DocAnswer, DocBlock } from "./doc-examples.js";
import { compareDocJson, compareDocText, matchesDoc } from "./doc-match.js";

const run = promisify(execFile);

/** Where the documents' defaults stand in a test deployment. */
export type DocTarget = {
  /** Replaces the documents' `http://127.0.0.1:8000` in the commands. */
  baseUrl: string;
  /** Replaces `conversions`, the default QUEUE_NAME, in the documented answers. */
  queueName: string;
  /** The shell's working folder (where `holiday.mkv` and `media/` are). */
  cwd: string;
  /** Environment of the shell on top of PATH: API_KEY, HOME, … */
  env: Record<string, string>;
  timeoutMs?: number;
};

export type DocRun = { examples: number; failures: string[] };

// Each curl of a block runs through this function: its response headers go to
// <n>.h and a copy of what it prints to <n>.b, numbered across subshells by a
// counter file, so `$(curl … | jq …)` still works as the reader types it. A
// stream (`-N`) is read for 3 s. Once an answer arrived, a transfer error after
// it (an upload the server refused midway) is the example's business, not the shell's.
const CURL_WRAPPER = String.raw`
curl() {
  local n extra=()
  n=$(( $(cat "$DOC_CALLS/n") + 1 )); echo "$n" > "$DOC_CALLS/n"
  for a in "$@"; do case "$a" in -N|--no-buffer) extra=(--max-time 3);; esac; done
  local rc=0
  command curl -D "$DOC_CALLS/$n.h" "\${extra[@]}" "$@" | tee "$DOC_CALLS/$n.b" || rc=$?
  if grep -q '^HTTP/' "$DOC_CALLS/$n.h" 2>/dev/null; then return 0; fi
  return "$rc"
}
`;

/** Runs the blocks in order, one shell each, carrying the variables they assign; compares every answer. */
export async function runDocBlocks(blocks: DocBlock[], target: DocTarget): Promise<DocRun> {
  const work = mkdtempSync(path.join(target.cwd, ".doc-run-"));
  const state = path.join(work, "state.sh");
  writeFileSync(state, "");
  const failures: string[] = [];
  let examples = 0;
  for (const [k, block] of blocks.entries()) {
    const calls = path.join(work, `block-${k}`);
    mkdirSync(calls);
    writeFileSync(path.join(calls, "n"), "0");
    const script = [
      "set -e",
      CURL_WRAPPER.replaceAll("\\$", "$"),
      `source ${JSON.stringify(state)}`,
      block.script.replaceAll("http://127.0.0.1:8000", target.baseUrl),
      ...block.assigns.map((name) => `declare -p ${name} >> ${JSON.stringify(state)} 2>/dev/null || true`),
    ].join("\n");
    const where = `${block.file}:${block.line}`;
    try {
      await run("bash", ["-c", script], {
        cwd: target.cwd,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...target.env, DOC_CALLS: calls },
        timeout: target.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { code?: number; stderr?: string; killed?: boolean };
      failures.push(`${where}: the block failed (exit ${e.killed ? "timeout" : e.code}): ${e.stderr?.trim() ?? ""}`);
      continue;
    }
    for (const [n, answer] of block.answers.entries()) {
      examples += 1;
      const problems = compareAnswer(answer, calls, n + 1, target.queueName);
      if (problems.length) failures.push(`${where}, curl #${n + 1}:\n  ${problems.join("\n  ")}`);
    }
  }
  return { examples, failures };
}

function compareAnswer(documented: DocAnswer, calls: string, n: number, queueName: string): string[] {
  const headerFile = path.join(calls, `${n}.h`);
  if (!existsSync(headerFile)) return ["this curl did not run, or got no answer"];
  const got = lastResponse(readFileSync(headerFile, "utf8"));
  const body = stripHeaders(readFileSync(path.join(calls, `${n}.b`), "utf8"));
  const ours = (text: string) => text.replace(/\bconversions\b/g, queueName);
  const problems: string[] = [];
  if (got.status !== documented.status) {
    problems.push(`status: documented ${documented.status}, got ${got.status} ${body.slice(0, 300)}`);
  }
  for (const [name, value] of documented.headers) {
    const actual = got.headers.get(name);
    if (actual === undefined) problems.push(`header ${name}: documented, missing`);
    else if (!matchesDoc(ours(value), actual)) problems.push(`header ${name}: documented ${value}, got ${actual}`);
  }
  if (documented.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [...problems, `body: documented JSON, got ${JSON.stringify(body.slice(0, 300))}`];
    }
    problems.push(...compareDocJson(JSON.parse(ours(JSON.stringify(documented.json))), parsed));
  }
  if (documented.text) problems.push(...compareDocText(documented.text.map(ours), body));
  return problems;
}

/** The final response in a `-D` dump (after `100 Continue` and the like). */
function lastResponse(dump: string): { status: number; headers: Map<string, string> } {
  const blocks = dump.split(/\r?\n\r?\n/).filter((b) => b.startsWith("HTTP/"));
  const lines = (blocks.at(-1) ?? "").split(/\r?\n/);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0), headers };
}

/** What `curl -i` printed before the body. */
function stripHeaders(output: string): string {
  let rest = output;
  while (rest.startsWith("HTTP/")) {
    const end = rest.search(/\r?\n\r?\n/);
    if (end < 0) return "";
    rest = rest.slice(end).replace(/^\r?\n\r?\n/, "");
  }
  return rest;
}

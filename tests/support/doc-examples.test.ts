import { describe, expect, it } from "vitest";
import { parseDocExamples } from "./doc-examples.js";
import { compareDocJson, compareDocText, docPattern } from "./doc-match.js";

const fence = "```";

describe("parseDocExamples", () => {
  it("reads one answer per curl: '# →' lines, and an http block for the last command", () => {
    const md = [
      "Intro",
      `${fence}sh`,
      "JOB_ID=$(curl -s -X POST http://127.0.0.1:8000/convert \\",
      '  -d \'{"input": "a.mkv"}\' | jq -r .job_id)',
      '# → 202 {"status": "queued"}',
      "curl -s http://127.0.0.1:8000/status/nope",
      "# → 404 the job does not exist",
      'curl -s -i "http://127.0.0.1:8000/status/$JOB_ID"',
      fence,
      "",
      `${fence}http`,
      "HTTP/1.1 200 OK",
      "Location: /status/…",
      "",
      '{ "job_id": "…" }',
      fence,
    ].join("\n");
    const [block, ...rest] = parseDocExamples(md, "doc.md");
    expect(rest).toEqual([]);
    expect(block).toMatchObject({ file: "doc.md", line: 2, assigns: ["JOB_ID"] });
    expect(block?.answers).toEqual([
      { status: 202, headers: [], json: { status: "queued" } },
      { status: 404, headers: [] },
      { status: 200, headers: [["location", "/status/…"]], json: { job_id: "…" } },
    ]);
    expect(block?.script).toContain("curl -s http://127.0.0.1:8000/status/nope");
  });

  it("keeps a text body's lines, and ignores blocks without curl and other languages", () => {
    const md = [
      `${fence}sh`,
      "./scripts/server",
      fence,
      `${fence}js`,
      "curl(1)",
      fence,
      `${fence}sh`,
      "curl -N http://127.0.0.1:8000/events",
      fence,
      `${fence}http`,
      "HTTP/1.1 200 OK",
      "content-type: text/event-stream",
      "",
      "retry: 1000",
      "",
      "event: status",
      fence,
    ].join("\n");
    const blocks = parseDocExamples(md, "doc.md");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.answers[0]?.text).toEqual(["retry: 1000", "event: status"]);
  });

  it("takes a polling loop without answers", () => {
    const md = [`${fence}sh`, 'until curl -s "$U" | grep -q completed; do sleep 1; done', fence].join("\n");
    expect(parseDocExamples(md, "doc.md")[0]?.answers).toEqual([]);
  });

  it.each([
    ["a curl without an answer", [`${fence}sh`, "curl -s http://x/a", fence], /curl without a documented answer/],
    ["an answer without a curl", [`${fence}sh`, "# → 200", "curl -s http://x/a", fence], /no curl command before/],
    ["two curls on one line", [`${fence}sh`, "curl a && curl b", "# → 200", "# → 200", fence], /one curl command/],
    ["an answer that is not JSON", [`${fence}sh`, "curl a", "# → 200 {nope}", fence], /not JSON/],
    ["an http block without status", [`${fence}sh`, "curl a", fence, `${fence}http`, "200", fence], /status line/],
    ["an unclosed block", [`${fence}sh`, "curl a"], /never closed/],
  ])("refuses %s", (_, lines, message) => {
    expect(() => parseDocExamples(lines.join("\n"), "doc.md")).toThrow(message);
  });
});

describe("doc patterns", () => {
  it("lets … stand for any text and ids, times and digests for any of their kind", () => {
    expect(docPattern("job … already ended").test("job 0192-x-ab already ended")).toBe(true);
    expect(docPattern("job 01a2…e0 ended").test("job 0192-x-ab ended")).toBe(false);
    expect(
      docPattern("/status/01a2148a-4f56-72b3-ac5f-ad5df1d98f1b").test("/status/019abc00-1111-7222-8333-444455556666"),
    ).toBe(true);
    expect(docPattern("2026-11-25T21:08:58.326Z").test("2027-01-01T00:00:00.000Z")).toBe(true);
    expect(docPattern("a.b (c)").test("a.b (c)")).toBe(true);
    expect(docPattern("a.b (c)").test("axb (c)")).toBe(false);
    expect(docPattern("queued").test("queued!")).toBe(false);
  });
});

describe("compareDocJson", () => {
  const actual = {
    status: "completed",
    progress: 100,
    encoder: null,
    overwrite: false,
    result: { output: "converted/a.mp4", size_bytes: 1234 },
    logs: ["ffmpeg -i x", "completed in 2.0 s"],
    problems: [],
  };

  it("accepts a documented subset, any numbers, patterns in strings and elided array elements", () => {
    expect(
      compareDocJson(
        {
          status: "completed",
          progress: 0,
          encoder: null,
          result: { output: "converted/…", "...": "..." },
          logs: ["completed in … s", "..."],
          problems: [],
        },
        actual,
      ),
    ).toEqual([]);
  });

  it("names every field that differs, is missing or has another type", () => {
    expect(
      compareDocJson(
        {
          status: "failed",
          progress: "100",
          encoder: "libx264",
          overwrite: true,
          extra: 1,
          logs: ["nope"],
          problems: ["x"],
        },
        actual,
      ),
    ).toEqual([
      '$.status: documented "failed", got "completed"',
      '$.progress: documented "100", got 100',
      '$.encoder: documented "libx264", got null',
      "$.overwrite: documented true, got false",
      "$.extra: documented, missing from the answer",
      '$.logs[0]: no element of the answer matches "nope"; got ["ffmpeg -i x","completed in 2.0 s"]',
      '$.problems[0]: no element of the answer matches "x"; got []',
    ]);
    expect(compareDocJson({ problems: [] }, { problems: ["redis"] })).toEqual([
      '$.problems: documented [], got ["redis"]',
    ]);
  });

  it("finds each documented text line among the answer's lines", () => {
    expect(compareDocText(["event: status", "id: …"], "retry: 1000\n\nid: 17\nevent: status\n")).toEqual([]);
    expect(compareDocText(["event: completed"], "event: status\n")).toEqual([
      'body: no line matches "event: completed"',
    ]);
  });
});

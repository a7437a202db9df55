import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/processes.js";

describe("docs/README.md", () => {
  const index = readFileSync(path.join(REPO_ROOT, "docs", "README.md"), "utf8");
  const records = readdirSync(path.join(REPO_ROOT, "docs", "adr")).filter((name) => /^\d{4}-.+\.md$/.test(name));

  it("finds the decision records", () => {
    expect(records.length).toBeGreaterThan(20);
  });

  it.each(records)("lists %s", (name) => {
    expect(index).toContain(`(adr/${name})`);
  });

  it("has one record per number", () => {
    const numbers = records.map((name) => name.slice(0, 4));
    expect(numbers.filter((n, i) => numbers.indexOf(n) !== i)).toEqual([]);
  });
});

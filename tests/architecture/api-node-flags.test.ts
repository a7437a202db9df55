import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_NODE_FLAGS, REPO_ROOT } from "../support/processes.js";

// The API's memory figures (bench/, docs/adr/0032) hold for the flags it runs
// with; every way of starting it must pass the same ones.
describe("the API runs with the same Node flags wherever it starts", () => {
  it.each([
    ["scripts/server", /node (.*)"\$ROOT\/packages\/api\/dist\/main\.js"/],
    ["docker/Dockerfile", /CMD \["node", (.*)"packages\/api\/dist\/main\.js"\]/],
    ["packages/api/package.json", /"start": "node (.*)dist\/main\.js"/],
  ])("%s", (file, pattern) => {
    const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
    const flags = pattern.exec(text)?.[1];
    expect(flags, `${file} does not start the API the way the test expects`).toBeDefined();
    for (const flag of API_NODE_FLAGS) expect(flags).toContain(flag);
  });
});

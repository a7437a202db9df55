import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../../..");
const read = (file: string) => readFileSync(path.join(repo, file), "utf8");

/** Every variable a process reads: the keys of the env schemas in this folder. */
function variablesInSchemas(): string[] {
  const names = new Set<string>();
  for (const file of ["env.ts", "api-config.ts", "worker-config.ts"]) {
    const source = readFileSync(path.join(here, file), "utf8");
    for (const match of source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)) names.add(match[1] as string);
  }
  return [...names].sort();
}

describe("documented settings", () => {
  const variables = variablesInSchemas();

  it("finds the variables it checks", () => {
    expect(variables).toEqual(
      expect.arrayContaining(["PORT", "REDIS_URL", "STALL_TIMEOUT_SECONDS", "MAX_INPUT_BYTES"]),
    );
  });

  it.each(variables)(".env.example and the README list %s", (name) => {
    expect(read(".env.example")).toMatch(new RegExp(`^${name}=`, "m"));
    expect(read("README.md")).toContain(`\`${name}\``);
  });
});

describe("compose.yaml", () => {
  /** Set by the image or left to its default on purpose in containers. */
  const NOT_IN_COMPOSE: Record<string, string> = {
    WORKER_NAME: "each container's own hostname-based default keeps names unique under --scale",
    WORKER_HEALTH_FILE: "set by the worker image, where its HEALTHCHECK reads it",
  };

  it.each(variablesInSchemas().filter((name) => !(name in NOT_IN_COMPOSE)))("passes %s through", (name) => {
    expect(read("compose.yaml")).toMatch(new RegExp(`^\\s+${name}:`, "m"));
  });
});

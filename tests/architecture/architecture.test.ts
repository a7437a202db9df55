import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/processes.js";

/**
 * The rules of the layout (docs/conventions.md, "Layout"), checked on every
 * run so the tree keeps the shape a newcomer can follow.
 */

type SourceFile = { file: string; text: string };

function productFiles(pkg: string): SourceFile[] {
  const root = path.join(REPO_ROOT, "packages", pkg, "src");
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      // The client's types are generated from the OpenAPI document at build time.
      if (statSync(full).isDirectory()) {
        if (name !== "generated") walk(full);
      } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && name !== "test-support.ts") {
        out.push({ file: path.relative(root, full), text: readFileSync(full, "utf8") });
      }
    }
  };
  walk(root);
  return out;
}

const importsOf = (text: string) =>
  [...text.matchAll(/^(?:import|export)[^;]*? from "([^"]+)";/gms)].map((m) => m[1] ?? "");

/** "routes/jobs.ts" → "routes"; a file at the top of src/ is "(top)". */
const folderOf = (file: string) => (file.includes("/") ? (file.split("/")[0] ?? "") : "(top)");

/** Folder → folders its files import from, inside one package's src/. */
function folderGraph(pkg: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { file, text } of productFiles(pkg)) {
    const from = folderOf(file);
    for (const spec of importsOf(text).filter((s) => s.startsWith("."))) {
      const to = folderOf(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)?.add(to);
    }
  }
  return graph;
}

describe("layout rules", () => {
  it.each([
    ["api", ["@converter/shared/ffmpeg", "@converter/shared/config/worker", "@converter/worker"]],
    ["worker", ["@converter/shared/presets", "@converter/shared/config/api", "@converter/api"]],
    ["shared", ["@converter/api", "@converter/worker"]],
    // The client speaks HTTP only (its types come from the OpenAPI document); the CLI only through the client.
    ["client", ["@converter/api", "@converter/worker", "@converter/shared", "@converter/cli"]],
    ["cli", ["@converter/api", "@converter/worker", "@converter/shared"]],
  ])("%s imports nothing meant for another process", (pkg, forbidden) => {
    const offending = productFiles(pkg).flatMap(({ file, text }) =>
      importsOf(text)
        .filter((spec) => forbidden.some((f) => spec === f || spec.startsWith(`${f}/`)))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it.each(["api", "worker", "shared", "client", "cli"])(
    "%s reaches other packages only through their exports",
    (pkg) => {
      const offending = productFiles(pkg).flatMap(({ file, text }) =>
        importsOf(text)
          .filter((spec) => /(^|\/)packages\//.test(spec) || spec === "@converter/shared" || /\/src\//.test(spec))
          .map((spec) => `${file} imports ${spec}`),
      );
      expect(offending).toEqual([]);
    },
  );

  it.each(["api", "worker", "cli"])("no two folders of %s import each other", (pkg) => {
    const graph = folderGraph(pkg);
    const twoWay = [...graph].flatMap(([from, tos]) =>
      [...tos]
        .filter((to) => from < to && from !== "(top)" && to !== "(top)" && graph.get(to)?.has(from))
        .map((to) => `${from} <-> ${to}`),
    );
    expect(twoWay).toEqual([]);
  });

  it.each(["api", "worker", "shared", "client", "cli"])("no product file of %s is over 300 lines", (pkg) => {
    const long = productFiles(pkg)
      .map(({ file, text }) => ({ file, lines: text.split("\n").length }))
      .filter(({ lines }) => lines > 300)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});

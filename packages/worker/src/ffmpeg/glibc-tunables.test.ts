import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DEFAULT_FFMPEG_GLIBC_TUNABLES } from "@converter/shared/config/worker";
import { describe, expect, it } from "vitest";
import { tuneChildMalloc } from "./glibc-tunables.js";

/** The dynamic loader this process runs under: the glibc that ffmpeg, started from here, gets too. */
function dynamicLoader(): string {
  const line = readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .find((entry) => /\/ld-linux[^/]*\.so/.test(entry));
  if (!line) throw new Error("no ld-linux in /proc/self/maps");
  return line.slice(line.indexOf("/"));
}

describe("tuneChildMalloc", () => {
  it("hands the tunables to the programs started afterwards", () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" };
    tuneChildMalloc("glibc.malloc.top_pad=65536", env);
    expect(execFileSync("sh", ["-c", 'printf %s "$GLIBC_TUNABLES"'], { env, encoding: "utf8" })).toBe(
      "glibc.malloc.top_pad=65536",
    );
  });

  it("leaves the worker's own GLIBC_TUNABLES to its children when FFMPEG_GLIBC_TUNABLES=off", () => {
    const env: NodeJS.ProcessEnv = { GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" };
    tuneChildMalloc(undefined, env);
    expect(env.GLIBC_TUNABLES).toBe("glibc.malloc.hugetlb=0");
  });

  it.runIf(process.platform === "linux")(
    "uses only tunables this machine's glibc knows, and glibc takes each default's value",
    () => {
      // glibc ignores a name it does not know without a word: ask the loader what it made of them.
      const listed = execFileSync(dynamicLoader(), ["--list-tunables"], {
        env: { GLIBC_TUNABLES: DEFAULT_FFMPEG_GLIBC_TUNABLES },
        encoding: "utf8",
      });
      for (const pair of DEFAULT_FFMPEG_GLIBC_TUNABLES.split(":")) {
        const [name, value] = pair.split("=") as [string, string];
        const shown = listed.split("\n").find((line) => line.startsWith(`${name}: `));
        expect(shown, name).toBeDefined();
        expect(BigInt(shown?.split(" ")[1] ?? "0"), name).toBe(BigInt(value));
      }
    },
  );
});

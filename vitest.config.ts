import { defineConfig } from "vitest/config";

// Three projects, one per kind of test (shared/CONVENTIONS.md):
// unit tests are fast and offline, integration tests use the real Redis and
// ffmpeg, end-to-end tests start the real api and worker processes.
const resolve = { conditions: ["source"] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        resolve,
        test: {
          name: "integration",
          include: ["packages/*/src/**/*.int.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.e2e.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own api + worker processes; on a 2-core
          // machine running them one file at a time keeps ffmpeg timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});

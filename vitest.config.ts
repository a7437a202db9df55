import { defineConfig } from "vitest/config";

// Four projects, one per kind of test (docs/conventions.md), run as groups
// in this order: unit tests are fast and offline, integration tests use the
// real Redis and ffmpeg, end-to-end tests start the real api and worker
// processes from dist/ (scripts/test builds first), and the docker tests build
// and run the images.
const resolve = { conditions: ["source"] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "tests/architecture/**/*.test.ts", "tests/support/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.e2e.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        test: {
          name: "integration",
          include: ["packages/*/src/**/*.int.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.e2e.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
          // Each file starts its own api + worker processes and runs ffmpeg; on
          // a 2-core machine one file at a time keeps encode times predictable.
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        resolve,
        test: {
          // The containers: base images, docker build, compose up/down/scale
          // (tests/docker/). Minutes when nothing is cached, so it runs last.
          name: "docker",
          include: ["tests/docker/**/*.docker.test.ts"],
          testTimeout: 30 * 60_000,
          hookTimeout: 10 * 60_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});

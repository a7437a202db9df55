import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queuedJobRow, sampleProgress, sampleReturn } from "../test-support.js";
import { JobViews } from "../views/job-views.js";
import { type Db, openDatabase } from "./db.js";
import { JobStore, LOG_TAIL_LINES } from "./job-store.js";

let db: Db;
let store: JobStore;
let views: JobViews;
beforeEach(() => {
  db = openDatabase(":memory:");
  store = new JobStore(db);
  views = new JobViews(db);
});
afterEach(() => db.$client.close());

const row = (id: string, output = `out/${id}.mp4`) => queuedJobRow(id, { output });

describe("JobStore", () => {
  it("keeps progress monotonic and below 100 until completion", () => {
    store.insertIfOutputFree(row("a"));
    store.markActive("a", "2026-01-01T00:00:00.000Z", 1);
    store.updateProgress("a", sampleProgress(40));
    store.updateProgress("a", sampleProgress(20));
    expect(views.get("a")).toMatchObject({ status: "in_progress", progress: 40, attempts: 1, encoder: "libx264" });
    store.updateProgress("a", sampleProgress(100));
    expect(views.get("a")?.progress).toBe(99.9);
    store.markCompleted("a", sampleReturn, "2026-01-01T00:00:01.000Z", ["cmd"]);
    expect(views.get("a")).toMatchObject({ status: "completed", progress: 100, result: sampleReturn.result });
  });

  it("never lets a late event move a finished job", () => {
    store.insertIfOutputFree(row("a"));
    store.markFailed("a", { code: "invalid_media", message: "bad" }, "2026-01-01T00:00:01.000Z", []);
    store.updateProgress("a", sampleProgress(50));
    store.markActive("a", "2026-01-01T00:00:02.000Z", 2);
    store.markQueued("a");
    store.markCompleted("a", sampleReturn, "2026-01-01T00:00:03.000Z", []);
    expect(views.get("a")).toMatchObject({ status: "failed", progress: 0, error: { code: "invalid_media" } });
  });

  it("records a cancelled failure as cancelled", () => {
    store.insertIfOutputFree(row("a"));
    store.markFailed("a", { code: "cancelled", message: "removed" }, "2026-01-01T00:00:01.000Z", []);
    expect(views.get("a")?.status).toBe("cancelled");
  });

  it("allows one live job per output, and a new one once it finished", () => {
    expect(store.insertIfOutputFree(row("a", "same.mp4"))).toEqual({ ok: true });
    expect(store.insertIfOutputFree(row("b", "same.mp4"))).toEqual({ ok: false, conflictingJobId: "a" });
    store.markCompleted("a", sampleReturn, "2026-01-01T00:00:01.000Z", []);
    expect(store.insertIfOutputFree(row("c", "same.mp4"))).toEqual({ ok: true });
  });

  it("keeps only the tail of long logs", () => {
    store.insertIfOutputFree(row("a"));
    store.setLogs(
      "a",
      Array.from({ length: LOG_TAIL_LINES + 50 }, (_, i) => `line ${i}`),
    );
    const logs = views.logs("a") ?? [];
    expect(logs).toHaveLength(LOG_TAIL_LINES);
    expect(logs.at(-1)).toBe(`line ${LOG_TAIL_LINES + 49}`);
  });

  it("counts queued jobs and lists live ones", () => {
    store.insertIfOutputFree(row("a"));
    store.insertIfOutputFree(row("b"));
    store.markActive("b", "2026-01-01T00:00:00.000Z", 1);
    expect(store.countQueued()).toBe(1);
    expect(store.liveJobs().sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: "a", status: "queued" },
      { id: "b", status: "in_progress" },
    ]);
  });

  it("moves only a running job back to queued, and announces nothing for a job already queued", () => {
    const announced: string[] = [];
    const announcing = new JobStore(db, { jobChanged: (id) => announced.push(id) });
    announcing.insertIfOutputFree(row("a"));
    announcing.markQueued("a");
    expect(announced).toEqual([]);
    announcing.markActive("a", "2026-01-01T00:00:00.000Z", 1);
    announcing.markQueued("a");
    expect(announced).toEqual(["a", "a"]);
    expect(views.get("a")?.status).toBe("queued");
  });

  it("keeps the per-status counts equal to the rows through every write a job's life makes", () => {
    const countedRows = () =>
      Object.fromEntries(
        (db.$client.prepare("SELECT status, count(*) AS n FROM jobs GROUP BY status").all() as CountRow[]).map((r) => [
          r.status,
          r.n,
        ]),
      );
    const keptCounts = () =>
      Object.fromEntries(
        (db.$client.prepare("SELECT status, n FROM job_status_counts WHERE n > 0").all() as CountRow[]).map((r) => [
          r.status,
          r.n,
        ]),
      );
    const steps: [string, () => unknown][] = [
      ["insert a, b, c", () => ["a", "b", "c"].map((id) => store.insertIfOutputFree(row(id)))],
      ["refused insert (output busy)", () => store.insertIfOutputFree(row("d", "out/a.mp4"))],
      ["a active", () => store.markActive("a", "2026-01-01T00:00:00.000Z", 1)],
      ["a active again (no change)", () => store.markActive("a", "2026-01-01T00:00:00.500Z", 1)],
      ["a progress", () => store.updateProgress("a", sampleProgress(50))],
      ["a completed", () => store.markCompleted("a", sampleReturn, "2026-01-01T00:00:01.000Z", [])],
      [
        "b failed",
        () => store.markFailed("b", { code: "invalid_media", message: "bad" }, "2026-01-01T00:00:01.000Z", []),
      ],
      [
        "c cancelled",
        () => store.markFailed("c", { code: "cancelled", message: "removed" }, "2026-01-01T00:00:01.000Z", []),
      ],
      ["b retried", () => store.requeueForRetry("b")],
      ["b active", () => store.markActive("b", "2026-01-01T00:00:02.000Z", 1)],
      ["b back to queued", () => store.markQueued("b")],
      ["a taken back", () => store.delete("a")],
      ["c pruned", () => store.pruneEndedBefore("2026-01-02T00:00:00.000Z", 10)],
    ];
    for (const [step, write] of steps) {
      write();
      expect(keptCounts(), step).toEqual(countedRows());
      expect(store.countQueued(), step).toBe(countedRows().queued ?? 0);
    }
    expect(keptCounts()).toEqual({ queued: 1 });
  });
});

type CountRow = { status: string; n: number };

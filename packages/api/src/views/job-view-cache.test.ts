import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JobView } from "@converter/shared/jobs";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, inTransaction, openDatabase } from "../store/db.js";
import { JobStore } from "../store/job-store.js";
import { queuedJobRow, sampleProgress, sampleReturn } from "../test-support.js";
import { WebhookStore } from "../webhooks/webhook-store.js";
import { JobViewCache } from "./job-view-cache.js";
import { JobViews } from "./job-views.js";

// A real SQLite file in WAL mode, as the API opens it: the cache relies on the file's data_version.
let folder: string;
let file: string;
let db: Db;
let store: JobStore;
let views: JobViews;
let reason: string | null;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), "view-cache-test-"));
  file = path.join(folder, "jobs.db");
  db = openDatabase(file);
  store = new JobStore(db);
  reason = "no worker serves this queue";
  views = new JobViews(db, { queueName: "conversions", waitingReason: () => reason });
});
afterEach(() => {
  db.$client.close();
  rmSync(folder, { recursive: true, force: true });
});

const submitted = (id: string, webhookUrl: string | null = null) =>
  queuedJobRow(id, { createdAt: "2026-01-01T00:00:00.000Z", webhookUrl });

/** What the view is now, read past any cache: the cache must always answer exactly this. */
const fresh = (id: string): string | undefined => {
  const view: JobView | undefined = new JobViews(db, { queueName: "conversions", waitingReason: () => reason }).get(id);
  return view === undefined ? undefined : JSON.stringify(view);
};
const cache = () => JobViewCache.of(db.$client);

describe("JobViewCache: a kept view never outlives the rows it was read from (real SQLite file)", () => {
  it("answers the fresh view after every kind of write to the job, through its whole life", () => {
    store.insertIfOutputFree(submitted("a"));
    const steps: [string, () => void][] = [
      ["active", () => store.markActive("a", "2026-01-01T00:00:01.000Z", 1)],
      ["progress 10", () => store.updateProgress("a", sampleProgress(10))],
      ["progress 55", () => store.updateProgress("a", sampleProgress(55))],
      ["failed", () => store.markFailed("a", { code: "ffmpeg_failed", message: "x" }, "2026-01-01T00:00:02Z", [])],
      ["retried", () => expect(store.requeueForRetry("a")).toEqual({ ok: true })],
      ["active again", () => store.markActive("a", "2026-01-03T00:00:00.000Z", 2)],
      ["completed", () => store.markCompleted("a", sampleReturn, "2026-01-03T00:00:01.000Z", ["cmd"])],
    ];
    expect(views.json("a")).toBe(fresh("a"));
    for (const [name, write] of steps) {
      const before = views.json("a");
      expect(views.json("a"), `kept before ${name}`).toBe(before);
      write();
      expect(views.json("a"), `after ${name}`).toBe(fresh("a"));
      expect(views.json("a"), `after ${name}`).not.toBe(before);
    }
  });

  it("keeps an ended job's view between polls, and drops it when the job goes", () => {
    store.insertIfOutputFree(submitted("b"));
    store.markActive("b", "2026-01-01T00:00:01.000Z", 1);
    store.markCompleted("b", sampleReturn, "2026-01-01T00:00:02.000Z", ["cmd"]);
    const first = views.json("b");
    expect(cache().size).toBe(1);
    expect(views.json("b")).toBe(first);
    store.delete("b");
    expect(views.json("b")).toBeUndefined();
    expect(cache().size).toBe(0);
  });

  it("follows the webhook delivery of the job's current run (another table)", () => {
    store.insertIfOutputFree(submitted("c", "https://hooks.example/c"));
    store.markActive("c", "2026-01-01T00:00:01.000Z", 1);
    store.markCompleted("c", sampleReturn, "2026-01-01T00:00:02.000Z", ["cmd"]);
    const webhooks = new WebhookStore(db);
    expect(JSON.parse(views.json("c") ?? "").webhook).toBeNull();
    const round = webhooks.claim("c") as number;
    expect(JSON.parse(views.json("c") ?? "").webhook).toMatchObject({ status: "pending", attempts: 0 });
    webhooks.recordAttempt("c", round, { status: "delivered", attempts: 1, statusCode: 204, error: null, at: "t" });
    expect(JSON.parse(views.json("c") ?? "").webhook).toMatchObject({ status: "delivered", last_status_code: 204 });
    expect(views.json("c")).toBe(fresh("c"));
  });

  it("sees a commit by another connection to the file (data_version), such as an operator's sqlite3 shell", () => {
    store.insertIfOutputFree(submitted("d"));
    store.markActive("d", "2026-01-01T00:00:01.000Z", 1);
    store.markCompleted("d", sampleReturn, "2026-01-01T00:00:02.000Z", ["cmd"]);
    expect(JSON.parse(views.json("d") ?? "").priority).toBe(5);
    const other = new Database(file);
    try {
      other.prepare("UPDATE jobs SET priority = 9 WHERE id = ?").run("d");
    } finally {
      other.close();
    }
    expect(JSON.parse(views.json("d") ?? "").priority).toBe(9);
  });

  it("never keeps a queued job's view: its waiting_reason follows the fleet, not the row", () => {
    store.insertIfOutputFree(submitted("e"));
    expect(JSON.parse(views.json("e") ?? "").waiting_reason).toBe("no worker serves this queue");
    reason = null;
    expect(JSON.parse(views.json("e") ?? "").waiting_reason).toBeNull();
    expect(cache().size).toBe(0);
  });

  it("does not keep a view read inside a transaction that then rolls back", () => {
    store.insertIfOutputFree(submitted("f"));
    store.markActive("f", "2026-01-01T00:00:01.000Z", 1);
    store.updateProgress("f", sampleProgress(20));
    const committed = views.json("f");
    expect(() =>
      inTransaction(db, () => {
        store.updateProgress("f", sampleProgress(80));
        expect(JSON.parse(views.json("f") ?? "").progress).toBe(80);
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    expect(views.json("f")).toBe(committed);
    expect(views.json("f")).toBe(fresh("f"));
  });

  it("keeps at most its capacity, dropping the oldest", () => {
    const small = openDatabase(":memory:").$client;
    try {
      const kept = JobViewCache.of(small, 2);
      const view = (id: string) => () => ({ job_id: id, status: "completed" }) as JobView;
      for (const id of ["x", "y", "z"]) kept.json(id, view(id));
      expect(kept.size).toBe(2);
      let reads = 0;
      kept.json("x", () => {
        reads += 1;
        return view("x")();
      });
      expect(reads).toBe(1);
    } finally {
      small.close();
    }
  });

  it("answers undefined for an unknown job, and keeps nothing for it", () => {
    expect(views.json("nope")).toBeUndefined();
    expect(cache().size).toBe(0);
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findPreset } from "@converter/shared/presets";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterEach, describe, expect, it } from "vitest";
import { JobViews } from "../views/job-views.js";
import { openDatabase } from "./db.js";

const MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Rows as an API at migration 0002 wrote them: one job whose webhook was
 * delivered, one that ended before webhooks were delivered (0002 marked it
 * with webhook_round and no status), one without a webhook.
 */
const WEBHOOK_ROUND_OF_OLD_JOBS_SQL = `
INSERT INTO jobs (id, status, input, output, preset, options, overwrite, priority, webhook_url, request_id, created_at,
  webhook_status, webhook_attempts, webhook_last_status_code, webhook_last_attempt_at, webhook_round)
VALUES
  ('delivered', 'completed', 'a.mkv', 'a.mp4', 'h264', '${JSON.stringify(options())}', 0, 5, 'https://h.example/x', 'r',
   '2026-11-01T00:00:00.000Z', 'delivered', 2, 204, '2026-11-01T00:00:02.000Z', 0),
  ('old', 'failed', 'b.mkv', 'b.mp4', 'h264', '${JSON.stringify(options())}', 0, 5, 'https://h.example/x', 'r',
   '2026-10-01T00:00:00.000Z', NULL, 0, NULL, NULL, 0),
  ('plain', 'completed', 'c.mkv', 'c.mp4', 'h264', '${JSON.stringify(options())}', 0, 5, NULL, 'r',
   '2026-10-02T00:00:00.000Z', NULL, 0, NULL, NULL, NULL);
`;

function options() {
  return findPreset("h264")?.options;
}

/** An INSERT of minimal job rows, with the columns every migration since 0000 has. */
function insertJobs(rows: { id: string; status: string; finishedAt?: string }[]): string {
  const values = rows.map(
    ({ id, status, finishedAt }) =>
      `('${id}', '${status}', '${id}.mkv', '${id}.mp4', 'h264', '{}', 0, 5, 'r', '2026-11-01T00:00:00.000Z', ` +
      `${finishedAt ? `'${finishedAt}'` : "NULL"})`,
  );
  return `INSERT INTO jobs (id, status, input, output, preset, options, overwrite, priority, request_id, created_at,
    finished_at) VALUES ${values.join(", ")};`;
}

/** A database file as an API of an earlier version left it: the migrations up to `lastTag` applied, then `rows`. */
function databaseAt(lastTag: string, rows = WEBHOOK_ROUND_OF_OLD_JOBS_SQL): string {
  const dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
  dirs.push(dir);
  const folder = path.join(dir, "drizzle");
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalFile = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  const file = path.join(dir, "jobs.db");
  const sqlite = new Database(file);
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  sqlite.exec(rows);
  sqlite.close();
  return file;
}

describe("migration 0003: webhook deliveries get a table of their own", () => {
  it("keeps every delivery the jobs table recorded, and the runs never to be delivered", () => {
    const db = openDatabase(databaseAt("0002_webhook_round"));
    const views = new JobViews(db);
    expect(views.get("delivered")?.webhook).toEqual({
      status: "delivered",
      attempts: 2,
      last_status_code: 204,
      last_error: null,
      last_attempt_at: "2026-11-01T00:00:02.000Z",
    });
    // Ended before webhooks were delivered: shown without a delivery, and never queued.
    expect(views.get("old")?.webhook).toBeNull();
    const rows = db.$client.prepare("SELECT job_id, round, status FROM webhook_deliveries ORDER BY job_id").all();
    expect(rows).toEqual([
      { job_id: "delivered", round: 0, status: "delivered" },
      { job_id: "old", round: 0, status: null },
    ]);
    const columns = db.$client.prepare("SELECT name FROM pragma_table_info('jobs')").all() as { name: string }[];
    expect(columns.map((c) => c.name).filter((name) => name.startsWith("webhook_"))).toEqual(["webhook_url"]);
    db.$client.close();
  });
});

describe("migration 0007: the per-status counts the triggers keep", () => {
  it("starts from the rows an earlier version left, and follows every insert, status change and delete", () => {
    const db = openDatabase(
      databaseAt(
        "0006_segments",
        insertJobs([
          { id: "delivered", status: "completed" },
          { id: "old", status: "failed" },
          { id: "plain", status: "completed" },
        ]),
      ),
    );
    const kept = () => db.$client.prepare("SELECT status, n FROM job_status_counts ORDER BY status").all();
    expect(kept()).toEqual([
      { status: "completed", n: 2 },
      { status: "failed", n: 1 },
    ]);
    db.$client.exec(`
      ${insertJobs([{ id: "new", status: "queued" }])}
      UPDATE jobs SET status = 'queued' WHERE id = 'old';
      UPDATE jobs SET progress = 50 WHERE id = 'new';
      DELETE FROM jobs WHERE id = 'plain';
    `);
    expect(kept()).toEqual([
      { status: "completed", n: 1 },
      { status: "failed", n: 0 },
      { status: "queued", n: 2 },
    ]);
    db.$client.close();
  });
});

describe("migration 0008: when each job last changed, kept by triggers", () => {
  it("dates live jobs at the upgrade and ended ones at their end, then follows every write", () => {
    const upgradedFrom = new Date().toISOString();
    const db = openDatabase(
      databaseAt(
        "0007_job_status_counts",
        insertJobs([
          { id: "waiting", status: "queued" },
          { id: "done", status: "completed", finishedAt: "2026-11-01T00:01:00.000Z" },
        ]),
      ),
    );
    const changedAt = (id: string) =>
      (db.$client.prepare("SELECT changed_at FROM jobs WHERE id = ?").get(id) as { changed_at: string }).changed_at;
    // A client back after the upgrade is sent every live job, as before it.
    expect(changedAt("waiting") >= upgradedFrom).toBe(true);
    expect(changedAt("done")).toBe("2026-11-01T00:01:00.000Z");
    db.$client.exec(`
      ${insertJobs([{ id: "new", status: "queued" }])}
      INSERT INTO webhook_deliveries (job_id, round, status) VALUES ('done', 0, 'pending');
    `);
    expect(changedAt("new") >= upgradedFrom).toBe(true);
    expect(changedAt("done") >= upgradedFrom).toBe(true);
    db.$client.prepare("UPDATE jobs SET changed_at = '2020-01-01T00:00:00.000Z'").run();
    db.$client.prepare("UPDATE jobs SET progress = 10 WHERE id = 'waiting'").run();
    db.$client.prepare("UPDATE webhook_deliveries SET attempts = 1 WHERE job_id = 'done'").run();
    expect([changedAt("waiting") >= upgradedFrom, changedAt("done") >= upgradedFrom, changedAt("new")]).toEqual([
      true,
      true,
      "2020-01-01T00:00:00.000Z",
    ]);
    db.$client.close();
  });
});

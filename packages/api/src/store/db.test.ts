import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, PAGE_CACHE_KIB } from "./db.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "db-open-"));
  dirs.push(dir);
  return path.join(dir, "jobs.db");
}

describe("openDatabase", () => {
  it("opens the file in WAL mode with SQLite's own 2,000 KiB page cache, not better-sqlite3's 16,000 (ADR 0038)", () => {
    const file = databaseFile();
    const db = openDatabase(file);
    try {
      expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.$client.pragma("cache_size", { simple: true })).toBe(-PAGE_CACHE_KIB);
      expect(PAGE_CACHE_KIB).toBe(2000);
      // The setting is the API's: a connection opened without it gets the
      // library's build default, the cache that grew the API's heap.
      const bare = new Database(file);
      try {
        expect(bare.pragma("cache_size", { simple: true })).toBe(-16000);
      } finally {
        bare.close();
      }
    } finally {
      db.$client.close();
    }
  });
});

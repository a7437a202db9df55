import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// Same relative depth from src/store and dist/store.
const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * SQLite's page cache, in KiB: SQLite's own default (2,000 KiB). The
 * better-sqlite3 build sets 16,000, and that cache fills one page at a time
 * as the jobs table grows, each page a long-lived block in malloc's heap
 * between the request's short-lived ones: the API's RSS grew by about
 * 2 MB a minute under mixed traffic until the 16 MB were reached, and
 * fragmentation kept it there (ADR 0038). The file's pages stay in the
 * kernel's page cache, so a miss here is a read() of 4 KiB, not a disk seek.
 */
export const PAGE_CACHE_KIB = 2000;

/**
 * Opens the API's SQLite file (or ":memory:" in unit tests) and applies the
 * committed migrations. WAL lets status reads proceed while the queue-events
 * consumer writes.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") makeFolders(path.dirname(path.resolve(file)));
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return db;
}

/**
 * Runs fn as one transaction of the API's single SQLite connection.
 * better-sqlite3 turns a nested call into a savepoint, so a store method
 * that is atomic on its own stays atomic inside a larger unit of work.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.$client.transaction(fn)();
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir never returns for a
 * path under /proc (each mkdir there answers ENOENT, and it retries the
 * parent forever); this gives up with the first error instead.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    const found = statSync(current, { throwIfNoEntry: false });
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: "ENOTDIR" });
      break;
    }
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const folder of missing) mkdirSync(folder);
}

/** Why DATABASE_PATH cannot be used, in one line: "/data/jobs.db cannot be opened: the filesystem is read-only". */
export function databaseProblem(file: string, error: unknown): string {
  const code = openFailureCode(file, (error as NodeJS.ErrnoException).code ?? "");
  const message = (error as Error).message ?? String(error);
  const reasons: Record<string, string> = {
    ENOTDIR: "goes through something that is not a folder",
    ENOENT: "names a folder that cannot be created",
    EACCES: "is not writable by the API",
    EPERM: "is not writable by the API",
    EROFS: "is on a read-only filesystem",
    SQLITE_READONLY: "is on a read-only filesystem or not writable by the API",
    EISDIR: "is a folder, not a file",
    SQLITE_CANTOPEN: "cannot be opened as a database file",
    SQLITE_NOTADB: "is not an SQLite database",
  };
  const readOnly = /read-?only/i.test(message) ? "is on a read-only filesystem or not writable by the API" : undefined;
  return `${file} ${reasons[code] ?? readOnly ?? "cannot be used"} (${message.split("\n")[0]})`;
}

/** SQLite's "unable to open" says nothing of why; the filesystem does. */
function openFailureCode(file: string, code: string): string {
  if (code !== "SQLITE_CANTOPEN") return code;
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return "EISDIR";
  try {
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code ?? code;
  }
  return code;
}

import type { JobView } from "@converter/shared/jobs";
import type Database from "better-sqlite3";

/** Called by the connection's own triggers with the id of a job whose view may have changed. */
const CHANGED_FUNCTION = "converter_job_view_changed";

/**
 * TEMP triggers live in this connection alone: nothing is written to the
 * file's schema, and another connection (the sqlite3 shell, a backup) that
 * lacks the function is not affected. Every statement that touches a job or
 * its webhook deliveries fires them, whichever code runs it.
 */
const TRIGGERS = (
  [
    ["jobs", "UPDATE", "OLD.id"],
    ["jobs", "DELETE", "OLD.id"],
    ["webhook_deliveries", "INSERT", "NEW.job_id"],
    ["webhook_deliveries", "UPDATE", "OLD.job_id"],
    ["webhook_deliveries", "DELETE", "OLD.job_id"],
  ] as const
)
  .map(
    ([table, event, id]) =>
      `CREATE TEMP TRIGGER IF NOT EXISTS converter_view_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table} ` +
      `BEGIN SELECT ${CHANGED_FUNCTION}(${id}); END;`,
  )
  .join("\n");

/** Jobs whose view is kept; about 1 KB each. */
const DEFAULT_CAPACITY = 1000;

/**
 * The JSON of job views, each kept until a row it was read from changes
 * (ADR 0035): a polled job is read from SQLite once per change instead of
 * once per poll. Reading and mapping a view cost about 28 µs and most of the
 * garbage of a `GET /status` (issue 12's profile); a kept one costs the
 * `data_version` check, about 5 µs.
 *
 * When a view is dropped:
 * - this connection changes the job's row or its webhook deliveries: the
 *   triggers above call back;
 * - another connection commits anything: SQLite's `data_version` moves, and
 *   every view is dropped (the API is the file's only writer; this keeps an
 *   operator's manual fix from being hidden);
 * - more than `capacity` are kept: the oldest goes.
 *
 * Not kept at all: a queued job's view, whose `waiting_reason` follows the
 * fleet rather than the row, and a view read inside a transaction, which may
 * still roll back.
 */
export class JobViewCache {
  private readonly entries = new Map<string, string>();
  private readonly dataVersion: Database.Statement<[], number>;
  private seenVersion: number | undefined;

  private constructor(
    private readonly sqlite: Database.Database,
    private readonly capacity: number,
  ) {
    sqlite.function(CHANGED_FUNCTION, { deterministic: false }, (jobId: unknown) => {
      this.entries.delete(String(jobId));
      return null;
    });
    sqlite.exec(TRIGGERS);
    this.dataVersion = sqlite.prepare<[], number>("PRAGMA data_version").pluck();
  }

  private static readonly perConnection = new WeakMap<Database.Database, JobViewCache>();

  /**
   * The connection's one cache: its triggers and callback are the connection's too.
   * `capacity` counts only when the connection's cache is first made.
   */
  static of(sqlite: Database.Database, capacity = DEFAULT_CAPACITY): JobViewCache {
    let cache = JobViewCache.perConnection.get(sqlite);
    if (!cache) {
      cache = new JobViewCache(sqlite, capacity);
      JobViewCache.perConnection.set(sqlite, cache);
    }
    return cache;
  }

  /** The job's view as JSON: the kept one, or `read()`'s, serialised (and kept when it may be). */
  json(jobId: string, read: () => JobView | undefined): string | undefined {
    const version = this.dataVersion.get();
    if (version !== this.seenVersion) {
      this.entries.clear();
      this.seenVersion = version;
    }
    const kept = this.entries.get(jobId);
    if (kept !== undefined) return kept;
    const view = read();
    if (!view) return undefined;
    const json = JSON.stringify(view);
    if (view.status !== "queued" && !this.sqlite.inTransaction) this.keep(jobId, json);
    return json;
  }

  /** How many views are kept (for tests and the soak's reading of memory). */
  get size(): number {
    return this.entries.size;
  }

  private keep(jobId: string, json: string): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(jobId, json);
  }
}

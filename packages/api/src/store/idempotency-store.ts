import { eq, inArray, lt } from "drizzle-orm";
import type { Db } from "./db.js";
import { type IdempotencyRow, idempotencyKeys } from "./schema.js";

/**
 * The SQL of Idempotency-Key: which job each key created, and a hash of the
 * request body it came with. The only writer of `idempotency_keys`.
 */
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  /** Remembers the job a key created; a key reused after it expired now names the new job. */
  remember(entry: { key: string; requestHash: string; jobId: string; createdAt: string }): void {
    this.db
      .insert(idempotencyKeys)
      .values(entry)
      .onConflictDoUpdate({
        target: idempotencyKeys.key,
        set: { requestHash: entry.requestHash, jobId: entry.jobId, createdAt: entry.createdAt },
      })
      .run();
  }

  /** The job an Idempotency-Key created, unless the key is older than `notBefore`. */
  find(key: string, notBefore: string): IdempotencyRow | undefined {
    const row = this.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).get();
    return row && row.createdAt >= notBefore ? row : undefined;
  }

  /** Forgets the keys of a job that is being taken back. */
  forgetJob(jobId: string): void {
    this.db.delete(idempotencyKeys).where(eq(idempotencyKeys.jobId, jobId)).run();
  }

  /** Forgets the keys of jobs pruned by JOB_RETENTION_DAYS. */
  forgetJobs(jobIds: string[]): void {
    if (jobIds.length > 0) this.db.delete(idempotencyKeys).where(inArray(idempotencyKeys.jobId, jobIds)).run();
  }

  purge(before: string): void {
    this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run();
  }
}

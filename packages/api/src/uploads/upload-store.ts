import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../store/db.js";
import { type NewUploadRow, type UploadRow, uploads } from "../store/schema.js";

/**
 * The only writer of the `uploads` table (docs/adr/0013: one writer per
 * table). A row is written before the first byte of its file, so whatever
 * a crash leaves on disk has a record the retention sweep can find.
 */
export class UploadStore {
  constructor(private readonly db: Db) {}

  insertReceiving(row: Omit<NewUploadRow, "status" | "sizeBytes" | "sha256" | "completedAt">): void {
    this.db
      .insert(uploads)
      .values({ ...row, status: "receiving", sizeBytes: 0 })
      .run();
  }

  markComplete(id: string, done: { sizeBytes: number; sha256: string; completedAt: string }): void {
    this.db
      .update(uploads)
      .set({ status: "complete", ...done })
      .where(eq(uploads.id, id))
      .run();
  }

  get(id: string): UploadRow | undefined {
    return this.db.select().from(uploads).where(eq(uploads.id, id)).get();
  }

  delete(id: string): void {
    this.db.delete(uploads).where(eq(uploads.id, id)).run();
  }

  /** Uploads made before `cutoff` (ISO time), oldest first: candidates for the retention sweep. */
  createdBefore(cutoff: string, limit: number): UploadRow[] {
    return this.db
      .select()
      .from(uploads)
      .where(lt(uploads.createdAt, cutoff))
      .orderBy(uploads.createdAt)
      .limit(limit)
      .all();
  }

  /**
   * Single-request uploads still marked receiving: at start, none can be in
   * flight (only this process writes them), so each is what a crash left.
   */
  abandonedSingles(): UploadRow[] {
    return this.db
      .select()
      .from(uploads)
      .where(and(eq(uploads.kind, "single"), eq(uploads.status, "receiving")))
      .all();
  }
}

import { createHash } from "node:crypto";
import { AppError } from "@converter/shared/errors";
import type { ConvertRequest, JobView } from "@converter/shared/jobs";
import type { IdempotencyStore } from "../store/idempotency-store.js";

/** How long an Idempotency-Key is remembered (Stripe's 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export type SubmitOutcome = { job: JobView; replayed: boolean };
type Submit = (
  request: ConvertRequest,
  requestId: string,
  key?: { key: string; requestHash: string },
) => Promise<JobView>;

/**
 * Submission with Stripe's idempotency semantics: the same key and body
 * within 24 hours give the original job back (replayed), the same key with
 * another body is refused, and concurrent duplicates create one job.
 */
export class IdempotentSubmissions {
  /** Submissions under a key that have not returned yet: a concurrent duplicate awaits the first. */
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<JobView> }>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly submit: Submit,
    private readonly read: (jobId: string) => JobView,
    private readonly now: () => Date,
  ) {}

  async submitOnce(request: ConvertRequest, requestId: string, key?: string): Promise<SubmitOutcome> {
    if (key === undefined) return { job: await this.submit(request, requestId), replayed: false };
    const requestHash = hashRequest(request);
    const running = this.inFlight.get(key);
    if (running) {
      if (running.requestHash !== requestHash) throw mismatchError();
      const job = await running.outcome;
      return { job: this.read(job.job_id), replayed: true };
    }
    const notBefore = new Date(this.now().getTime() - IDEMPOTENCY_TTL_MS).toISOString();
    this.store.purge(notBefore);
    const earlier = this.store.find(key, notBefore);
    if (earlier) {
      if (earlier.requestHash !== requestHash) throw mismatchError();
      return { job: this.read(earlier.jobId), replayed: true };
    }

    const outcome = this.submit(request, requestId, { key, requestHash });
    this.inFlight.set(key, { requestHash, outcome });
    try {
      return { job: await outcome, replayed: false };
    } finally {
      this.inFlight.delete(key);
    }
  }
}

function mismatchError(): AppError {
  return new AppError(
    "idempotency_mismatch",
    "this Idempotency-Key was used with a different request body; use a new key for a new request",
    { field: "Idempotency-Key" },
  );
}

/** The request as a stable string (keys sorted), so key order does not make two bodies differ. */
function hashRequest(request: ConvertRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

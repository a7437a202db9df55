import type { ConvertRequest, JobList, JobStatus, JobView } from "@converter/shared/jobs";
import { IdempotencyStore } from "../store/idempotency-store.js";
import { JobStore } from "../store/job-store.js";
import { JobViews } from "../views/job-views.js";
import { cancelJob } from "./cancellation.js";
import { IdempotentSubmissions, type SubmitOutcome } from "./idempotent-submissions.js";
import { jobNotFoundError } from "./job-errors.js";
import { Retries } from "./retries.js";
import type { JobServiceDeps } from "./service-deps.js";
import { Submissions } from "./submission.js";

export type { JobServiceDeps } from "./service-deps.js";

/**
 * What the HTTP routes do with jobs: submit, cancel, retry, read. Knows
 * nothing of HTTP; each operation lives in its own module.
 */
export class JobService {
  private readonly store: JobStore;
  private readonly views: JobViews;
  private readonly submissions: Submissions;
  private readonly idempotent: IdempotentSubmissions;
  private readonly retries: Retries;

  constructor(private readonly deps: JobServiceDeps) {
    this.store = new JobStore(deps.db, deps.changes);
    this.views = new JobViews(deps.db, deps.routing);
    const read = (jobId: string) => this.get(jobId);
    const idempotencyKeys = new IdempotencyStore(deps.db);
    this.submissions = new Submissions(deps, this.store, idempotencyKeys, read);
    this.idempotent = new IdempotentSubmissions(
      idempotencyKeys,
      (request, requestId, key) => this.submissions.submit(request, requestId, key),
      read,
      () => deps.now?.() ?? new Date(),
    );
    this.retries = new Retries(deps, this.store, read);
  }

  /** Submits, honouring an Idempotency-Key when there is one. */
  submitOnce(request: ConvertRequest, requestId: string, idempotencyKey?: string): Promise<SubmitOutcome> {
    return this.idempotent.submitOnce(request, requestId, idempotencyKey);
  }

  cancel(jobId: string): Promise<JobView> {
    return cancelJob(this.deps, this.store, (id) => this.get(id), jobId);
  }

  retry(jobId: string): Promise<JobView> {
    return this.retries.retry(jobId);
  }

  get(jobId: string): JobView {
    const job = this.views.get(jobId);
    if (!job) throw jobNotFoundError(jobId);
    return job;
  }

  /** The job's view as JSON, or undefined: for a caller that answers a missing job some other way than job_not_found. */
  viewJson(jobId: string): string | undefined {
    return this.views.json(jobId);
  }

  list(query: { status?: JobStatus; limit: number; cursor?: string }): JobList {
    return this.views.list(query);
  }

  /** Jobs whose state may have changed since `since` (live or ended since), for event streams that lost track. */
  changedSince(since: Date, jobId?: string): JobView[] {
    return this.views.changedSince(since, jobId);
  }

  logs(jobId: string): string[] {
    const logs = this.views.logs(jobId);
    if (!logs) throw jobNotFoundError(jobId);
    return logs;
  }
}

import { type Job, unwrap } from "@converter/client";
import { type CommandContext, print, UsageError } from "../cli-context.js";
import { describeJob, table } from "../format.js";

export const jobsOptions = {
  status: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
} as const;

const jobStatuses = ["queued", "in_progress", "completed", "failed", "cancelled"] as const;

/** `converter jobs`: one page of jobs, newest first. */
export async function jobs(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError("jobs takes no arguments");
  const { status, limit, cursor } = ctx.values;
  const query: { status?: Job["status"]; limit?: number; cursor?: string } = {};
  if (typeof status === "string") {
    const known = jobStatuses.find((s) => s === status);
    if (!known) throw new UsageError(`--status is one of ${jobStatuses.join(", ")}`);
    query.status = known;
  }
  if (typeof limit === "string") query.limit = Number(limit);
  if (typeof cursor === "string") query.cursor = cursor;
  const page = await unwrap(ctx.client.GET("/jobs", { params: { query } }));
  print(ctx, page, (p) => {
    const rows = p.jobs.map((j) => [
      j.job_id,
      j.status,
      `${j.progress.toFixed(0)}%`,
      j.preset,
      `${j.input} → ${j.output}`,
    ]);
    const more = p.next_cursor ? `\nmore: converter jobs --cursor ${p.next_cursor}` : "";
    return rows.length === 0 ? "no jobs" : `${table([["JOB", "STATUS", "DONE", "PRESET", "FILES"], ...rows])}${more}`;
  });
  return 0;
}

function jobIdOf(ctx: CommandContext, command: string): string {
  const [jobId] = ctx.positionals;
  if (!jobId || ctx.positionals.length > 1) throw new UsageError(`${command} takes one <job_id>`);
  return jobId;
}

/** `converter status <job_id>`. */
export async function status(ctx: CommandContext): Promise<number> {
  const job_id = jobIdOf(ctx, "status");
  const job = await unwrap(ctx.client.GET("/status/{job_id}", { params: { path: { job_id } } }));
  print(ctx, job, describeJob);
  return 0;
}

/** `converter cancel <job_id>`. */
export async function cancel(ctx: CommandContext): Promise<number> {
  const job_id = jobIdOf(ctx, "cancel");
  const job = await unwrap(ctx.client.DELETE("/jobs/{job_id}", { params: { path: { job_id } } }));
  print(ctx, job, (j) => `${j.status} ${j.job_id}`);
  return 0;
}

/** `converter retry <job_id>`. */
export async function retry(ctx: CommandContext): Promise<number> {
  const job_id = jobIdOf(ctx, "retry");
  const job = await unwrap(ctx.client.POST("/jobs/{job_id}/retry", { params: { path: { job_id } } }));
  print(ctx, job, (j) => `queued again ${j.job_id} (retry ${j.retries})`);
  return 0;
}

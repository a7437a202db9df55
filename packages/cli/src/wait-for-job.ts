import { type ConverterClient, type Job, unwrap } from "@converter/client";

const TERMINAL: ReadonlySet<Job["status"]> = new Set(["completed", "failed", "cancelled"]);
const POLL_MS = 500;

/**
 * Polls GET /status/{job_id} until the job ended, calling `onUpdate` with
 * every state seen; returns the final job.
 */
export async function waitForJob(client: ConverterClient, jobId: string, onUpdate: (job: Job) => void): Promise<Job> {
  for (;;) {
    const job = await unwrap(client.GET("/status/{job_id}", { params: { path: { job_id: jobId } } }));
    onUpdate(job);
    if (TERMINAL.has(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

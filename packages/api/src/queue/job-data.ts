import { ResolvedOptions } from "@converter/shared/jobs";
import { type ConvertJobData, SegmentPlan } from "@converter/shared/queue";
import type { JobRow } from "../store/schema.js";

/** The queue payload of a stored job, for queueing it again (a retry, a job Redis lost). */
export function jobDataFromRow(row: JobRow): ConvertJobData {
  return {
    job_id: row.id,
    input: row.input,
    output: row.output,
    preset: row.preset,
    options: ResolvedOptions.parse(row.options),
    overwrite: row.overwrite,
    request_id: row.requestId,
    stream_copy: row.streamCopy,
    ...(row.segmentPlan ? { segments: SegmentPlan.parse(row.segmentPlan) } : {}),
  };
}

import { z } from "zod";
import { HARDWARE_MODES } from "../jobs/media-words.js";

/**
 * What a live worker says about itself, every few seconds, under a Redis key
 * with a time to live: the API lists these in /health. Written by the worker
 * and parsed by the API with this schema.
 */
export const WorkerHeartbeat = z
  .object({
    name: z.string(),
    hardware: z.enum(HARDWARE_MODES),
    concurrency: z.number().int(),
    /** Each encoder the worker's start-up test encode tried, and whether it passed. */
    encoders: z.record(z.string(), z.boolean()),
    active_jobs: z.number().int(),
    started_at: z.string(),
  })
  .meta({ id: "Worker" });
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

/** A stored heartbeat, or undefined when it is not one (an older or foreign writer). */
export function parseWorkerHeartbeat(value: string | null): WorkerHeartbeat | undefined {
  if (!value) return undefined;
  try {
    const parsed = WorkerHeartbeat.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

import { z } from "zod";
import { HARDWARE_MODES } from "../jobs/media-words.js";

/** The GPU a worker's `nvidia-smi` names; absent where there is none (or no driver). */
export const WorkerGpu = z
  .object({ model: z.string(), driver: z.string(), count: z.number().int() })
  .meta({ id: "WorkerGpu" });
export type WorkerGpu = z.infer<typeof WorkerGpu>;

/**
 * A worker's own running totals since it started, for /metrics
 * (docs/adr/0018-metrics.md): they reset when the worker restarts, which
 * Prometheus counters tolerate.
 */
export const WorkerCounters = z
  .object({
    jobs_started: z.number().int(),
    jobs_completed: z.number().int(),
    jobs_failed: z.number().int(),
    /** Jobs the worker planned on NVDEC that decoded on the CPU instead (input refused by NVDEC). */
    gpu_decode_fallbacks: z.number().int(),
    /** Encodes the driver refused for want of an NVENC session; each job went back to the queue. */
    nvenc_session_refusals: z.number().int(),
    /** Seconds ffmpeg ran, all jobs together. */
    ffmpeg_seconds: z.number(),
  })
  .meta({ id: "WorkerCounters" });
export type WorkerCounters = z.infer<typeof WorkerCounters>;

/**
 * What a live worker says about itself, every few seconds, under a Redis key
 * with a time to live: the API lists these in /health and /workers. Written
 * by the worker and parsed by the API with this schema. Fields after
 * `started_at` were added with routing (ADR 0016); they are optional so an
 * older worker's beat still parses during an upgrade.
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
    host: z.string().optional(),
    version: z.string().optional(),
    /** The job routes (queues) this worker consumes (ADR 0016). */
    routes: z.array(z.string()).optional(),
    /** Each NVDEC decode (`<codec>_nvdec`: decode + scale_cuda + hwdownload) the start-up test tried, and whether it passed. */
    decoders: z.record(z.string(), z.boolean()).optional(),
    /** Whether jobs decode on NVDEC when the encoder runs on the CPU: measured faster at start (ADR 0017). */
    gpu_decode_with_cpu_encode: z.boolean().optional(),
    gpu: WorkerGpu.nullable().optional(),
    /** Ids of the jobs running now. */
    running_jobs: z.array(z.string()).optional(),
    /** NVENC sessions in use and the cap (NVENC_MAX_SESSIONS, or what the driver refused at); null: no cap known. */
    nvenc_sessions: z.object({ in_use: z.number().int(), limit: z.number().int().nullable() }).optional(),
    counters: WorkerCounters.optional(),
    /** When this beat was written. */
    heartbeat_at: z.string().optional(),
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

/** Free job slots a beat advertises. */
export function freeSlots(beat: WorkerHeartbeat): number {
  return Math.max(0, beat.concurrency - beat.active_jobs);
}

/** Whether the worker has a working NVENC encoder (a GPU worker, for `gpu-preferred` jobs). */
export function hasNvenc(beat: WorkerHeartbeat): boolean {
  return Object.entries(beat.encoders).some(([name, ok]) => ok && name.endsWith("_nvenc"));
}

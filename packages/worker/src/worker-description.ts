import { hostname } from "node:os";
import type { HardwareMode } from "@converter/shared/jobs";
import type { JobRoute, WorkerCounters, WorkerGpu, WorkerHeartbeat } from "@converter/shared/queue";
import type { NvencSessions } from "./capabilities/nvenc-sessions.js";

/** What the heartbeat says of this worker, read at every beat (docs/design.md, "Between the processes"). */
export function describeWorker(w: {
  workerName: string;
  hardware: HardwareMode;
  concurrency: number;
  encoders: Record<string, boolean>;
  decoders?: Record<string, boolean>;
  gpuDecodeWithCpuEncode?: boolean;
  gpu?: WorkerGpu | null;
  version?: string;
  routes: JobRoute[];
  /** The BullMQ ids of the jobs this worker runs now (keys), with the job a cancel names (values). */
  running: ReadonlyMap<string, string>;
  nvenc: NvencSessions;
  counters: WorkerCounters;
}): () => WorkerHeartbeat {
  const startedAt = new Date().toISOString();
  const host = hostname();
  return () => ({
    name: w.workerName,
    hardware: w.hardware,
    concurrency: w.concurrency,
    encoders: w.encoders,
    active_jobs: w.running.size,
    started_at: startedAt,
    host,
    version: w.version ?? "unknown",
    routes: w.routes,
    decoders: w.decoders ?? {},
    gpu_decode_with_cpu_encode: w.gpuDecodeWithCpuEncode ?? false,
    gpu: w.gpu ?? null,
    running_jobs: [...w.running.keys()],
    nvenc_sessions: { in_use: w.nvenc.used, limit: w.nvenc.limit },
    counters: { ...w.counters, ffmpeg_seconds: Math.round(w.counters.ffmpeg_seconds * 1000) / 1000 },
    heartbeat_at: new Date().toISOString(),
  });
}

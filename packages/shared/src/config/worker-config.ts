import { hostname } from "node:os";
import { z } from "zod";
import { HARDWARE_MODES, type HardwareMode } from "../jobs/media-words.js";
import { DEFAULT_MAX_INPUT_BYTES, intVar, type LOG_LEVELS, parseEnv, SHARED_ENV } from "./env.js";

export { ConfigError, loadConfigOrExit } from "./env.js";

/**
 * What one job may ask of a worker (docs/adr/0007-hostile-input.md). Inputs
 * come from strangers: these bound the memory, time and disk a single file
 * can take. Every failure message names the variable that set the limit.
 */
export type JobLimits = {
  maxInputBytes: number;
  maxInputWidth: number;
  maxInputHeight: number;
  maxInputPixels: number;
  maxInputDurationSeconds: number;
  maxInputStreams: number;
  maxOutputBytes: number;
  jobTimeoutSeconds: number;
};

/** 8K DCI frames, a day of media, 64 streams, 20 GiB in or out, six hours of ffmpeg. */
export const DEFAULT_JOB_LIMITS: JobLimits = {
  maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  maxInputWidth: 8192,
  maxInputHeight: 8192,
  maxInputPixels: 8192 * 4320,
  maxInputDurationSeconds: 86_400,
  maxInputStreams: 64,
  maxOutputBytes: 20 * 1024 ** 3,
  jobTimeoutSeconds: 6 * 3600,
};

/** When NVDEC decodes a job's video (docs/adr/0017-gpu-pipeline.md). */
export const GPU_DECODE_MODES = ["auto", "on", "off"] as const;

export type GpuDecodeMode = (typeof GPU_DECODE_MODES)[number];
export const PROBE_SERVER_MODES = ["auto", "off"] as const;
export type ProbeServerMode = (typeof PROBE_SERVER_MODES)[number];
export const FFMPEG_SPAWNER_MODES = ["auto", "off"] as const;
export type FfmpegSpawnerMode = (typeof FFMPEG_SPAWNER_MODES)[number];

/**
 * glibc's malloc settings for ffmpeg, ffprobe and the probe server
 * (docs/adr/0034-malloc-settings-for-ffmpeg.md): heap memory in transparent
 * huge pages where the kernel allows them on request (`madvise`), allocations
 * up to 32 MiB (glibc's own ceiling for its adaptive threshold) from the heap
 * instead of one mmap each, and the heap grown 8 MiB at a time. A short
 * encode then takes far fewer page faults.
 */
export const DEFAULT_FFMPEG_GLIBC_TUNABLES =
  "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=8388608";
/** GLIBC_TUNABLES' syntax: name=value pairs joined by ':', names as glibc spells them. */
const GLIBC_TUNABLES_SYNTAX =
  /^glibc\.[a-z_]+\.[a-z_0-9]+=[0-9A-Za-z_.-]+(:glibc\.[a-z_]+\.[a-z_0-9]+=[0-9A-Za-z_.-]+)*$/;

const WorkerEnv = z.object({
  ...SHARED_ENV,
  MAX_CONCURRENT_JOBS: intVar(1, 64).default(1),
  HARDWARE: z.enum(HARDWARE_MODES).default("auto"),
  WORKER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '-' or '_'")
    .optional(),
  /** Set in the worker image: the file its HEALTHCHECK reads (packages/worker/src/health/). */
  WORKER_HEALTH_FILE: z.string().optional(),
  STALLED_JOB_RETRIES: intVar(0, 100).default(2),
  JOB_LOCK_SECONDS: intVar(2, 3600).default(20),
  STALLED_CHECK_SECONDS: intVar(1, 3600).default(10),
  STALL_TIMEOUT_SECONDS: intVar(5, 86_400).default(120),
  SHUTDOWN_GRACE_SECONDS: intVar(0, 86_400).default(30),
  MAX_INPUT_WIDTH: intVar(16, 65_535).default(DEFAULT_JOB_LIMITS.maxInputWidth),
  MAX_INPUT_HEIGHT: intVar(16, 65_535).default(DEFAULT_JOB_LIMITS.maxInputHeight),
  MAX_INPUT_PIXELS: intVar(256, 2 ** 31 - 1).default(DEFAULT_JOB_LIMITS.maxInputPixels),
  MAX_INPUT_DURATION_SECONDS: intVar(1, 86_400 * 365).default(DEFAULT_JOB_LIMITS.maxInputDurationSeconds),
  MAX_INPUT_STREAMS: intVar(1, 10_000).default(DEFAULT_JOB_LIMITS.maxInputStreams),
  MAX_OUTPUT_BYTES: intVar(1024, Number.MAX_SAFE_INTEGER).default(DEFAULT_JOB_LIMITS.maxOutputBytes),
  JOB_TIMEOUT_SECONDS: intVar(1, 86_400 * 7).default(DEFAULT_JOB_LIMITS.jobTimeoutSeconds),
  GPU_DECODE: z.enum(GPU_DECODE_MODES).default("auto"),
  NVENC_MAX_SESSIONS: intVar(0, 64).default(0),
  PROBE_SERVER: z.enum(PROBE_SERVER_MODES).default("auto"),
  FFMPEG_SPAWNER: z.enum(FFMPEG_SPAWNER_MODES).default("auto"),
  FFMPEG_GLIBC_TUNABLES: z
    .string()
    .refine((value) => value === "off" || GLIBC_TUNABLES_SYNTAX.test(value), {
      message: "must be off or glibc tunables such as glibc.malloc.hugetlb=1:glibc.malloc.top_pad=8388608",
    })
    .default(DEFAULT_FFMPEG_GLIBC_TUNABLES),
});

export type WorkerConfig = {
  redisUrl: string;
  queueName: string;
  mediaRoot: string;
  concurrency: number;
  hardware: HardwareMode;
  workerName: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** Rewritten while this worker's heartbeat is live in Redis; unset: no file. */
  healthFile: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** How often BullMQ may hand a stalled job (its worker died) to another worker. */
  maxStalledCount: number;
  /**
   * BullMQ's lock on a running job (renewed every half of it) and how often
   * workers look for jobs whose lock expired: a worker killed mid-job has its
   * job taken over within about their sum.
   */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** ffmpeg that reports no progress for this long is killed and its job retried. */
  stallTimeoutMs: number;
  /** On SIGTERM, how long running jobs may finish before they are handed back to the queue. */
  shutdownGraceMs: number;
  limits: JobLimits;
  /**
   * auto: NVDEC + scale_cuda where the start-up test proved them, with a CPU
   * encoder only where that measured faster than the CPU alone; on: wherever
   * proved; off: never.
   */
  gpuDecode: GpuDecodeMode;
  /** Concurrent NVENC encodes on this worker; 0: no cap until the driver refuses one. */
  nvencMaxSessions: number;
  /**
   * auto: probe through the probe server (ADR 0033) when it was built
   * against the libraries FFPROBE_PATH uses; off: start ffprobe per file.
   */
  probeServer: ProbeServerMode;
  /**
   * auto: start ffmpeg through the ffmpeg spawner (ADR 0040) when it was
   * built and runs; off: with Node's spawn (a fork of the worker).
   */
  ffmpegSpawner: FfmpegSpawnerMode;
  /** GLIBC_TUNABLES for every program the worker starts (ffmpeg, ffprobe, the probe server); undefined: theirs as inherited. */
  ffmpegGlibcTunables: string | undefined;
};

export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const e = parseEnv(WorkerEnv, env);
  return {
    redisUrl: e.REDIS_URL,
    queueName: e.QUEUE_NAME,
    mediaRoot: e.MEDIA_ROOT,
    concurrency: e.MAX_CONCURRENT_JOBS,
    hardware: e.HARDWARE,
    workerName: e.WORKER_NAME ?? `${hostname()}-${process.pid}`,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    healthFile: e.WORKER_HEALTH_FILE,
    logLevel: e.LOG_LEVEL,
    maxStalledCount: e.STALLED_JOB_RETRIES,
    lockDurationMs: e.JOB_LOCK_SECONDS * 1000,
    stalledIntervalMs: e.STALLED_CHECK_SECONDS * 1000,
    stallTimeoutMs: e.STALL_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    limits: {
      maxInputBytes: e.MAX_INPUT_BYTES,
      maxInputWidth: e.MAX_INPUT_WIDTH,
      maxInputHeight: e.MAX_INPUT_HEIGHT,
      maxInputPixels: e.MAX_INPUT_PIXELS,
      maxInputDurationSeconds: e.MAX_INPUT_DURATION_SECONDS,
      maxInputStreams: e.MAX_INPUT_STREAMS,
      maxOutputBytes: e.MAX_OUTPUT_BYTES,
      jobTimeoutSeconds: e.JOB_TIMEOUT_SECONDS,
    },
    gpuDecode: e.GPU_DECODE,
    nvencMaxSessions: e.NVENC_MAX_SESSIONS,
    probeServer: e.PROBE_SERVER,
    ffmpegSpawner: e.FFMPEG_SPAWNER,
    ffmpegGlibcTunables: e.FFMPEG_GLIBC_TUNABLES === "off" ? undefined : e.FFMPEG_GLIBC_TUNABLES,
  };
}

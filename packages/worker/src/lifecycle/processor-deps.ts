import type { JobLimits } from "@converter/shared/config/worker";
import type { HardwareMode } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";

/** What the convert processor needs of its worker; each lifecycle step takes what it uses of these. */
export type ProcessorDeps = {
  workerName: string;
  /** Real path of MEDIA_ROOT on this node. */
  mediaRoot: string;
  ffmpegPath: string;
  ffprobePath: string;
  hardware: HardwareMode;
  encoders: Record<string, boolean>;
  log: Logger;
  progressIntervalMs?: number;
  /** ffmpeg that makes no progress for this long is killed and its job retried. */
  stallTimeoutMs: number;
  /**
   * Whether a client asked to cancel the job (the durable marker in Redis).
   * Read when a run starts and again just before it publishes, so a job
   * cancelled while nobody ran it never converts and a cancel that raced
   * the end of an encode never leaves a file behind.
   */
  isCancelRequested: (jobId: string) => Promise<boolean>;
  /** What one job may take (docs/adr/0007-hostile-input.md); the documented defaults when left out. */
  limits?: JobLimits;
};

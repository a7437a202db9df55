import type { JobLimits } from "@converter/shared/config/worker";
import type { HardwareMode } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import {
  type MediaProber,
  PROBED_FD_PATH,
  type ProbeHow,
  type ProbeOutcome,
  type ProbeSource,
  probeMedia,
} from "@converter/shared/probe";
import type { WorkerCounters } from "@converter/shared/queue";
import type { NvencSessions } from "../capabilities/nvenc-sessions.js";
import type { ProcessStarter } from "../ffmpeg/process-starter.js";

/** What the convert processor needs of its worker; each lifecycle step takes what it uses of these. */
export type ProcessorDeps = {
  workerName: string;
  /** Real path of MEDIA_ROOT on this node. */
  mediaRoot: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** How this worker starts ffmpeg (the ffmpeg spawner, ADR 0040); Node's spawn when absent. */
  startFfmpeg?: ProcessStarter;
  /** How this worker probes (the probe server, ADR 0033); ffprobe at ffprobePath per file when absent. */
  probe?: MediaProber;
  hardware: HardwareMode;
  encoders: Record<string, boolean>;
  /** `<codec>_nvdec` → proven by the start-up test decode (ADR 0017); none on a CPU worker. */
  decoders?: Record<string, boolean>;
  /** NVDEC in front of a CPU encoder: measured faster at start (GPU_DECODE=auto) or forced (on). */
  gpuDecodeWithCpuEncode?: boolean;
  /** This worker's NVENC sessions (NVENC_MAX_SESSIONS or the driver's learned limit). */
  nvenc?: NvencSessions;
  /** This worker's running totals, sent in its heartbeat (ADR 0018). */
  counters?: WorkerCounters;
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

/**
 * Probes a file the way this worker does: its prober, or ffprobe per file.
 * A failure names a file given by descriptor as ffprobe does, /dev/fd/3,
 * which shownPaths reads as ffmpeg's input; `shownAs` names it instead (the
 * output, as the client wrote it, when that is what was probed).
 */
export async function probeFile(
  deps: Pick<ProcessorDeps, "ffprobePath" | "probe">,
  source: ProbeSource,
  shownAs?: string,
  how?: ProbeHow,
): Promise<ProbeOutcome> {
  const outcome = await (deps.probe ? deps.probe(source, how) : probeMedia(deps.ffprobePath, source));
  if (outcome.ok || shownAs === undefined) return outcome;
  return {
    ok: false,
    reason: outcome.reason.replaceAll(`file:${PROBED_FD_PATH}`, shownAs).replaceAll(PROBED_FD_PATH, shownAs),
  };
}

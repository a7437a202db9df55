import { VIDEO_ENCODERS } from "@converter/shared/ffmpeg";
import type { HardwareMode, VideoCodec } from "@converter/shared/jobs";

export type EncoderChoice =
  | { ok: true; encoder: string | null }
  | { ok: false; code: "gpu_unavailable" | "ffmpeg_failed"; message: string };

/**
 * Which encoder a job gets on this node. The job's `hardware` option narrows
 * the node's HARDWARE setting: `gpu` on either side means NVENC or nothing,
 * `cpu` on either side means never NVENC, `auto` means NVENC where it passed
 * its test encode, the CPU encoder otherwise.
 */
export function chooseVideoEncoder(
  codec: VideoCodec,
  jobHardware: HardwareMode,
  nodeHardware: HardwareMode,
  encoders: Record<string, boolean>,
): EncoderChoice {
  if (codec === "copy" || codec === "none") return { ok: true, encoder: null };
  const { gpu, cpu } = VIDEO_ENCODERS[codec];
  // No NVENC encoder exists for it (VP9): a GPU requirement cannot apply, so any worker runs it (ADR 0016).
  if (gpu === null) return available(cpu, encoders);
  const wantsGpu = jobHardware === "gpu" || nodeHardware === "gpu";
  const forbidsGpu = jobHardware === "cpu" || nodeHardware === "cpu";

  if (wantsGpu && !forbidsGpu) {
    if (encoders[gpu]) return { ok: true, encoder: gpu };
    return {
      ok: false,
      code: "gpu_unavailable",
      message: `${gpu} did not pass its test encode on this worker, and the job or worker requires the GPU`,
    };
  }
  if (wantsGpu && jobHardware === "gpu" && nodeHardware === "cpu") {
    return {
      ok: false,
      code: "gpu_unavailable",
      message: "the job requires the GPU but this worker runs with HARDWARE=cpu",
    };
  }
  if (!forbidsGpu && encoders[gpu]) return { ok: true, encoder: gpu };
  return available(cpu, encoders);
}

function available(encoder: string, encoders: Record<string, boolean>): EncoderChoice {
  if (encoders[encoder]) return { ok: true, encoder };
  return { ok: false, code: "ffmpeg_failed", message: `this worker's ffmpeg has no ${encoder} encoder` };
}

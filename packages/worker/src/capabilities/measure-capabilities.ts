import type { GpuDecodeMode } from "@converter/shared/config/worker";
import type { HardwareMode } from "@converter/shared/jobs";
import type { Logger } from "@converter/shared/logger";
import type { WorkerGpu } from "@converter/shared/queue";
import { describeGpu } from "./describe-gpu.js";
import { detectGpuDecoders, removeSamples } from "./detect-decoders.js";
import { detectEncoders } from "./detect-encoders.js";
import { measureGpuDecodeGain } from "./measure-gpu-decode.js";
import { runBriefly } from "./run-briefly.js";

export type MeasuredCapabilities = {
  encoders: Record<string, boolean>;
  decoders: Record<string, boolean>;
  gpuDecodeWithCpuEncode: boolean;
  gpu: WorkerGpu | null;
  /** What `ffprobe -version` printed: the probe server's libraries are checked against it (ADR 0033). */
  ffprobeVersion: string;
};

export class CapabilityError extends Error {
  override readonly name = "CapabilityError";
}

/**
 * Everything a worker proves about itself at start (ADR 0004, ADR 0017):
 * the encoders (NVENC by a test encode), the NVDEC decodes with scale_cuda
 * (by a test decode), whether NVDEC in front of a CPU encoder is faster
 * here (by timing both), and the card nvidia-smi names. Logged once, then
 * sent in every heartbeat. Throws CapabilityError when ffmpeg or ffprobe
 * cannot run at all.
 */
export async function measureCapabilities(
  config: { ffmpegPath: string; ffprobePath: string; hardware: HardwareMode; gpuDecode: GpuDecodeMode },
  log: Logger,
): Promise<MeasuredCapabilities> {
  let measured: Awaited<ReturnType<typeof detectEncoders>>;
  try {
    measured = await detectEncoders(config.ffmpegPath, config.hardware);
  } catch (error) {
    throw new CapabilityError(`ffmpeg cannot be run (${(error as Error).message}); install it or set FFMPEG_PATH`);
  }
  log.info({ hardware: config.hardware, encoders: measured.encoders, nvenc: measured.notes }, "encoders measured");
  const ffprobe = await runBriefly(config.ffprobePath, ["-version"], 10_000);
  if (!ffprobe.ok) {
    throw new CapabilityError(`ffprobe cannot be run (${config.ffprobePath}); install it or set FFPROBE_PATH`);
  }
  const gpu = config.hardware === "cpu" ? null : await describeGpu();
  const decode = await measureDecoders(config, measured.encoders, log);
  return { encoders: measured.encoders, ...decode, gpu, ffprobeVersion: ffprobe.stdout };
}

async function measureDecoders(
  config: { ffmpegPath: string; hardware: HardwareMode; gpuDecode: GpuDecodeMode },
  encoders: Record<string, boolean>,
  log: Logger,
): Promise<{ decoders: Record<string, boolean>; gpuDecodeWithCpuEncode: boolean }> {
  if (config.hardware === "cpu" || config.gpuDecode === "off") {
    return { decoders: {}, gpuDecodeWithCpuEncode: false };
  }
  const found = await detectGpuDecoders(config.ffmpegPath, encoders);
  try {
    log.info({ decoders: found.decoders, nvdec: found.notes }, "NVDEC decodes measured");
    if (!Object.values(found.decoders).some(Boolean))
      return { decoders: found.decoders, gpuDecodeWithCpuEncode: false };
    if (config.gpuDecode === "on") return { decoders: found.decoders, gpuDecodeWithCpuEncode: true };
    // With NVENC, NVDEC feeds it; the few jobs a GPU worker encodes on the CPU (VP9, every session taken)
    // decode on the CPU too, so only a card without NVENC (H100-class) needs the comparison.
    const hasNvenc = Object.entries(encoders).some(([name, ok]) => ok && name.endsWith("_nvenc"));
    if (hasNvenc) return { decoders: found.decoders, gpuDecodeWithCpuEncode: false };
    const gain = await measureGpuDecodeGain(config.ffmpegPath, found.sampleDir);
    log.info(
      { gpu_decode_ms: gain?.gpuMs ?? null, cpu_decode_ms: gain?.cpuMs ?? null, faster: gain?.faster ?? false },
      "NVDEC + scale_cuda in front of a CPU encoder, timed against the CPU alone (1080p to 720p, libx264)",
    );
    return { decoders: found.decoders, gpuDecodeWithCpuEncode: gain?.faster ?? false };
  } finally {
    await removeSamples(found.sampleDir);
  }
}

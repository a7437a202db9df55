import path from "node:path";
import { buildFfmpegArgs } from "@converter/shared/ffmpeg";
import type { ResolvedOptions } from "@converter/shared/jobs";
import { makeSample } from "./detect-decoders.js";
import { runBriefly } from "./run-briefly.js";

/** The job the comparison runs: 1080p H.264 down to 720p, encoded by libx264 as a job would be. */
const SAMPLE_JOB: ResolvedOptions = {
  container: "mp4",
  video_codec: "h264",
  crf: null,
  video_bitrate: null,
  width: null,
  height: 720,
  fps: null,
  audio_codec: "none",
  audio_bitrate: null,
  start: null,
  duration: null,
  hardware: "auto",
};

export type GpuDecodeGain = { faster: boolean; cpuMs: number; gpuMs: number };

/**
 * Whether NVDEC + scale_cuda + hwdownload in front of a CPU encoder beats
 * the CPU doing all of it, on this machine (docs/adr/0017-gpu-pipeline.md).
 * On a card without NVENC the encoder is the CPU's either way; moving the
 * decode and the scale off the CPU leaves it more time to encode, but the
 * download costs PCIe bandwidth, and on a small input or a machine with
 * many cores the CPU alone can win. Both runs use the arguments the builder
 * gives jobs; the GPU one runs twice and counts the second, so the CUDA
 * context's one-off start does not decide.
 */
export async function measureGpuDecodeGain(ffmpegPath: string, dir: string): Promise<GpuDecodeGain | undefined> {
  const sample = await makeSample(ffmpegPath, dir, "libx264", "1920x1080", 60);
  if (!sample) return undefined;
  const timed = async (gpuDecode: boolean) => {
    const args = buildFfmpegArgs({
      inputPath: sample,
      outputPath: path.join(dir, `measure-${gpuDecode ? "gpu" : "cpu"}.mp4`),
      options: SAMPLE_JOB,
      videoEncoder: "libx264",
      gpuDecode,
    });
    const run = await runBriefly(ffmpegPath, args, 120_000);
    return run.ok ? run.elapsedMs : undefined;
  };
  if ((await timed(true)) === undefined) return undefined;
  const gpuMs = await timed(true);
  const cpuMs = await timed(false);
  if (gpuMs === undefined || cpuMs === undefined) return undefined;
  return { faster: gpuMs < cpuMs, cpuMs: Math.round(cpuMs), gpuMs: Math.round(gpuMs) };
}

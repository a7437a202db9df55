import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GPU_DECODE_ARGS } from "@converter/shared/ffmpeg";
import { runBriefly as run, whyFailed } from "./run-briefly.js";

/** The NVDEC decodes a worker tests, each with the CPU encoder that makes its sample. */
const NVDEC_SAMPLES = { h264: "libx264", hevc: "libx265" } as const;
export type NvdecCodec = keyof typeof NVDEC_SAMPLES;

/** `h264` → `h264_nvdec`: the key in a worker's `decoders` map. */
export const nvdecKey = (codec: string) => `${codec}_nvdec`;

export type DecoderCapabilities = {
  /** `<codec>_nvdec` → NVDEC decoded a sample and scale_cuda + hwdownload handled its frames. */
  decoders: Record<string, boolean>;
  /** Why each NVDEC decode is not used, for the start-up log. */
  notes: Record<string, string>;
};

/** A tiny 8-bit 4:2:0 sample of a codec, made with the CPU encoder. */
export async function makeSample(
  ffmpegPath: string,
  dir: string,
  encoder: string,
  size = "256x144",
  frames = 5,
): Promise<string | undefined> {
  const file = path.join(dir, `${encoder}-${size}.mp4`);
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i"];
  args.push(`testsrc2=s=${size}:r=25`, "-frames:v", String(frames), "-c:v", encoder);
  if (encoder === "libx265") args.push("-x265-params", "log-level=error");
  args.push("-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mp4", "-y", `file:${file}`);
  return (await run(ffmpegPath, args, 60_000)).ok ? file : undefined;
}

/**
 * The whole GPU front end on a real sample: NVDEC decodes into GPU memory,
 * scale_cuda resizes and converts to nv12, hwdownload brings the frames
 * back. Being compiled in proves nothing (ADR 0004): a card may lack NVDEC
 * for a codec, a container may lack the driver's video capability, and an
 * ffmpeg that silently fell back to CPU decoding fails here, because
 * scale_cuda refuses frames in system memory.
 */
export async function testGpuDecode(ffmpegPath: string, sample: string): Promise<{ ok: boolean; why: string }> {
  const result = await run(ffmpegPath, testGpuDecodeArgs(sample), 20_000);
  return { ok: result.ok, why: result.ok ? "test decode passed" : whyFailed(result, "test decode failed") };
}

/** The test decode's arguments: NVDEC, scale_cuda to 128x72 nv12, hwdownload, nothing written. */
export function testGpuDecodeArgs(sample: string): string[] {
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", ...GPU_DECODE_ARGS, "-i", `file:${sample}`];
  args.push("-vf", "scale_cuda=w=128:h=72:format=nv12,hwdownload,format=nv12", "-f", "null", "-");
  return args;
}

/** Every NVDEC decode this worker can prove, given the CPU encoders that make the samples. */
export async function detectGpuDecoders(
  ffmpegPath: string,
  cpuEncoders: Record<string, boolean>,
): Promise<DecoderCapabilities & { sampleDir: string }> {
  const decoders: Record<string, boolean> = {};
  const notes: Record<string, string> = {};
  const sampleDir = await mkdtemp(path.join(tmpdir(), "converter-nvdec-"));
  const hwaccels = await run(ffmpegPath, ["-hide_banner", "-hwaccels"], 10_000);
  const hasCuda = hwaccels.ok && /^cuda$/m.test(hwaccels.stdout);
  for (const [codec, encoder] of Object.entries(NVDEC_SAMPLES)) {
    const key = nvdecKey(codec);
    decoders[key] = false;
    if (!hasCuda) {
      notes[key] = "this ffmpeg has no cuda hwaccel";
      continue;
    }
    const sample = cpuEncoders[encoder] ? await makeSample(ffmpegPath, sampleDir, encoder) : undefined;
    if (!sample) {
      notes[key] = `no ${encoder} to make a test sample with`;
      continue;
    }
    const test = await testGpuDecode(ffmpegPath, sample);
    decoders[key] = test.ok;
    notes[key] = test.why;
  }
  return { decoders, notes, sampleDir };
}

/** Removes the samples once start-up is done with them. */
export const removeSamples = (dir: string) => rm(dir, { recursive: true, force: true });

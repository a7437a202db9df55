import type { HardwareMode } from "@converter/shared/jobs";
import { nvdecKey } from "./detect-decoders.js";

/** What the input probe says of the first video stream. */
export type InputVideo = { codec: string | null; pixFmt?: string | null; profile?: string | null };

/**
 * Pixel formats NVDEC decodes on every card that has it for the codec:
 * H.264 only as 8-bit 4:2:0 (no High 10, High 4:2:2 or High 4:4:4), HEVC as
 * 8- or 10-bit 4:2:0 (4:4:4 and 12-bit depend on the card's generation,
 * 4:2:2 on Blackwell). Anything else decodes on the CPU.
 */
const NVDEC_PIXEL_FORMATS: Record<string, readonly string[]> = {
  h264: ["yuv420p", "yuvj420p"],
  hevc: ["yuv420p", "yuvj420p", "yuv420p10le"],
};

export type DecodeChoice = { gpu: boolean; note: string | null };

export type DecodeContext = {
  /** The video encoder of the job; null when video is copied or dropped. */
  encoder: string | null;
  jobHardware: HardwareMode;
  nodeHardware: HardwareMode;
  /** `<codec>_nvdec` → proven by the start-up test decode. */
  decoders: Record<string, boolean>;
  /** NVDEC in front of a CPU encoder: measured faster at start (GPU_DECODE=auto) or forced (on). */
  gpuDecodeWithCpuEncode: boolean;
  /** The input's first video stream; undefined when the probe could not tell. */
  input: InputVideo | undefined;
};

/**
 * Whether a job decodes on NVDEC and scales with scale_cuda
 * (docs/adr/0017-gpu-pipeline.md): only where the start-up test proved
 * NVDEC for the input's codec, only for an input NVDEC accepts, never for a
 * job or worker that says cpu, and with a CPU encoder only where that was
 * measured faster. `note` says why a job that could have used the GPU did
 * not, for the job's `pipeline`.
 */
export function chooseDecodePath(c: DecodeContext): DecodeChoice {
  const cpu = (note: string | null = null): DecodeChoice => ({ gpu: false, note });
  if (c.encoder === null || c.jobHardware === "cpu" || c.nodeHardware === "cpu") return cpu();
  if (!Object.values(c.decoders).some(Boolean)) return cpu();
  if (!c.encoder.endsWith("_nvenc") && !c.gpuDecodeWithCpuEncode) return cpu();
  const codec = c.input?.codec;
  if (!codec) return cpu("the input's video could not be probed before the encode: decoded on the CPU");
  if (!c.decoders[nvdecKey(codec)]) return cpu(`NVDEC is not proven for ${codec} on this worker: decoded on the CPU`);
  const pixFmt = c.input?.pixFmt ?? "unknown";
  if (!NVDEC_PIXEL_FORMATS[codec]?.includes(pixFmt)) {
    const profile = c.input?.profile ? ` ${c.input.profile}` : "";
    return cpu(`NVDEC does not decode ${codec}${profile} (${pixFmt}): decoded on the CPU`);
  }
  return { gpu: true, note: null };
}

import { isNvencEncoder, VIDEO_ENCODERS } from "@converter/shared/ffmpeg";
import type { ResolvedOptions, VideoPipeline } from "@converter/shared/jobs";
import type { StreamInfo } from "@converter/shared/probe";
import type { Job } from "bullmq";
import { chooseDecodePath, type DecodeChoice } from "../capabilities/choose-decode-path.js";
import { chooseVideoEncoder } from "../capabilities/choose-encoder.js";
import type { AdmittedJob } from "./admit-job.js";
import { permanent } from "./job-failure.js";
import { type ProcessorDeps, probeFile } from "./processor-deps.js";
import { putBack } from "./put-back.js";

/** How long a job that requires NVENC waits in the queue when every session of its worker is taken. */
export const NVENC_BUSY_DELAY_MS = 5000;

/** Where a job's video is decoded, scaled and encoded on this worker, and the NVENC session it holds. */
export type VideoPath = {
  encoder: string | null;
  gpuDecode: boolean;
  pipeline: VideoPipeline | null;
  /** Gives the NVENC session back (a no-op without one); called once the run is over. */
  releaseNvenc: () => void;
};

type PathDeps = Pick<
  ProcessorDeps,
  "hardware" | "encoders" | "decoders" | "gpuDecodeWithCpuEncode" | "nvenc" | "ffprobePath" | "probe"
>;

/**
 * The encoder this node can really run for the job (NVENC only within the
 * worker's session cap), then whether NVDEC and scale_cuda go in front of
 * it (docs/adr/0017-gpu-pipeline.md). A job that requires the GPU and finds
 * every session taken goes back to the queue; an `auto` one encodes on the
 * CPU instead.
 */
export async function planVideoPath(
  deps: PathDeps,
  admitted: AdmittedJob,
  run: { job: Job; token: string | undefined },
  /** The input's video when the probe already ran (a copy was possible, ADR 0022): not probed again. */
  probedVideo?: StreamInfo | null,
): Promise<VideoPath> {
  const o = admitted.data.options;
  const choice = chooseVideoEncoder(o.video_codec, o.hardware, deps.hardware, deps.encoders);
  if (!choice.ok) throw permanent(choice.code, choice.message);
  let encoder = choice.encoder;
  let encodeNote: string | null = null;
  let releaseNvenc = () => {};
  if (encoder !== null && isNvencEncoder(encoder) && deps.nvenc) {
    const release = deps.nvenc.tryAcquire();
    if (release) releaseNvenc = release;
    else if (o.hardware === "gpu" || deps.hardware === "gpu") {
      await putBack(run, NVENC_BUSY_DELAY_MS, `all ${deps.nvenc.limit} NVENC sessions of this worker are in use`);
    } else {
      encoder = cpuEncoderOf(o);
      encodeNote = "every NVENC session of this worker was in use: encoded on the CPU";
    }
  }
  const decode = await decodeChoice(deps, admitted, encoder, probedVideo);
  const note = [decode.note, encodeNote].filter(Boolean).join("; ") || null;
  return { encoder, gpuDecode: decode.gpu, pipeline: pipelineOf(o, encoder, decode.gpu, note), releaseNvenc };
}

function cpuEncoderOf(o: ResolvedOptions): string {
  if (o.video_codec === "copy" || o.video_codec === "none")
    throw new Error("no encoder for a copied or dropped stream");
  return VIDEO_ENCODERS[o.video_codec].cpu;
}

/** Probes the input first only where NVDEC could take it: a CPU worker's jobs start exactly as before. */
async function decodeChoice(
  deps: PathDeps,
  admitted: AdmittedJob,
  encoder: string | null,
  probedVideo: StreamInfo | null | undefined,
): Promise<DecodeChoice> {
  const o = admitted.data.options;
  const context = {
    encoder,
    jobHardware: o.hardware,
    nodeHardware: deps.hardware,
    decoders: deps.decoders ?? {},
    gpuDecodeWithCpuEncode: deps.gpuDecodeWithCpuEncode ?? false,
    input: undefined,
  };
  // Without the input's facts the choice is the CPU or a note; with them it may be NVDEC.
  const withoutInput = chooseDecodePath(context);
  if (withoutInput.note === null) return withoutInput;
  if (probedVideo !== undefined) return chooseDecodePath({ ...context, input: probedVideo ?? undefined });
  const probe = await probeFile(deps, { fd: admitted.files.input.fd }).catch(() => undefined);
  const video = probe?.ok ? (probe.info.video ?? undefined) : undefined;
  return chooseDecodePath({ ...context, input: video });
}

/** The job's `pipeline`: null when no video is encoded. */
export function pipelineOf(
  o: ResolvedOptions,
  encoder: string | null,
  gpuDecode: boolean,
  note: string | null,
): VideoPipeline | null {
  if (encoder === null) return null;
  const scales = o.width !== null || o.height !== null;
  return {
    decode: gpuDecode ? "nvdec" : "cpu",
    scale: scales ? (gpuDecode ? "scale_cuda" : "cpu") : null,
    encode: isNvencEncoder(encoder) ? "nvenc" : "cpu",
    note,
  };
}

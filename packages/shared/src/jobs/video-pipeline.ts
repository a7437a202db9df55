import { z } from "zod";

/**
 * Where each step of a job's video ran (docs/adr/0017-gpu-pipeline.md):
 * decode on NVDEC or the CPU, scale with `scale_cuda` or the CPU's `scale`
 * (null when the size is kept), encode on NVENC or the CPU. `note` says why
 * a step the worker could have run on the GPU ran on the CPU.
 */
export const VideoPipeline = z
  .object({
    decode: z.enum(["nvdec", "cpu"]),
    scale: z.enum(["scale_cuda", "cpu"]).nullable(),
    encode: z.enum(["nvenc", "cpu"]),
    note: z.string().nullable(),
  })
  .meta({ id: "VideoPipeline" });
export type VideoPipeline = z.infer<typeof VideoPipeline>;

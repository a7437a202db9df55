import { describe, expect, it } from "vitest";
import { chooseDecodePath, type DecodeContext } from "./choose-decode-path.js";

const h264 = { codec: "h264", pixFmt: "yuv420p", profile: "High" };
const gpuNode: DecodeContext = {
  encoder: "h264_nvenc",
  jobHardware: "auto",
  nodeHardware: "auto",
  decoders: { h264_nvdec: true, hevc_nvdec: true },
  gpuDecodeWithCpuEncode: false,
  input: h264,
};

describe("chooseDecodePath", () => {
  it("decodes on NVDEC in front of NVENC where the test decode passed", () => {
    expect(chooseDecodePath(gpuNode)).toEqual({ gpu: true, note: null });
    expect(chooseDecodePath({ ...gpuNode, input: { codec: "hevc", pixFmt: "yuv420p10le" } })).toEqual({
      gpu: true,
      note: null,
    });
  });

  it("falls back to the CPU for input NVDEC refuses, and says why", () => {
    const refused = chooseDecodePath({
      ...gpuNode,
      input: { codec: "h264", pixFmt: "yuv422p10le", profile: "High 4:2:2" },
    });
    expect(refused).toEqual({
      gpu: false,
      note: "NVDEC does not decode h264 High 4:2:2 (yuv422p10le): decoded on the CPU",
    });
    expect(chooseDecodePath({ ...gpuNode, input: { codec: "vp9", pixFmt: "yuv420p" } })).toEqual({
      gpu: false,
      note: "NVDEC is not proven for vp9 on this worker: decoded on the CPU",
    });
    expect(chooseDecodePath({ ...gpuNode, input: undefined }).gpu).toBe(false);
  });

  it("puts NVDEC in front of a CPU encoder only where that measured faster (a card without NVENC)", () => {
    const hybrid = { ...gpuNode, encoder: "libx264" };
    expect(chooseDecodePath(hybrid)).toEqual({ gpu: false, note: null });
    expect(chooseDecodePath({ ...hybrid, gpuDecodeWithCpuEncode: true })).toEqual({ gpu: true, note: null });
  });

  it("never touches the GPU for a cpu job or worker, nor for a stream that is not encoded", () => {
    expect(chooseDecodePath({ ...gpuNode, jobHardware: "cpu" }).gpu).toBe(false);
    expect(chooseDecodePath({ ...gpuNode, nodeHardware: "cpu" }).gpu).toBe(false);
    expect(chooseDecodePath({ ...gpuNode, encoder: null }).gpu).toBe(false);
    expect(chooseDecodePath({ ...gpuNode, decoders: { h264_nvdec: false } })).toEqual({ gpu: false, note: null });
  });
});

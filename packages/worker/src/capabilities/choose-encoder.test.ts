import { describe, expect, it } from "vitest";
import { chooseVideoEncoder } from "./choose-encoder.js";

const cpuOnly = {
  libx264: true,
  libx265: true,
  libsvtav1: true,
  "libvpx-vp9": true,
  h264_nvenc: false,
  hevc_nvenc: false,
};
const withNvenc = { ...cpuOnly, h264_nvenc: true, hevc_nvenc: true };

describe("chooseVideoEncoder", () => {
  it("uses NVENC in auto mode only where its test encode passed", () => {
    expect(chooseVideoEncoder("h264", "auto", "auto", withNvenc)).toEqual({ ok: true, encoder: "h264_nvenc" });
    expect(chooseVideoEncoder("h264", "auto", "auto", cpuOnly)).toEqual({ ok: true, encoder: "libx264" });
    expect(chooseVideoEncoder("av1", "auto", "auto", withNvenc)).toEqual({ ok: true, encoder: "libsvtav1" });
  });

  it("fails with gpu_unavailable when the job or the node requires the GPU and NVENC does not work", () => {
    expect(chooseVideoEncoder("h264", "gpu", "auto", cpuOnly)).toMatchObject({ ok: false, code: "gpu_unavailable" });
    expect(chooseVideoEncoder("hevc", "auto", "gpu", cpuOnly)).toMatchObject({ ok: false, code: "gpu_unavailable" });
    expect(chooseVideoEncoder("h264", "gpu", "cpu", withNvenc)).toMatchObject({ ok: false, code: "gpu_unavailable" });
  });

  it("never uses NVENC when the job or the node says cpu", () => {
    expect(chooseVideoEncoder("h264", "cpu", "auto", withNvenc)).toEqual({ ok: true, encoder: "libx264" });
    expect(chooseVideoEncoder("h264", "auto", "cpu", withNvenc)).toEqual({ ok: true, encoder: "libx264" });
    expect(chooseVideoEncoder("h264", "cpu", "gpu", withNvenc)).toEqual({ ok: true, encoder: "libx264" });
  });

  it("runs VP9 on the CPU even on a GPU-only node, since no NVENC VP9 exists", () => {
    expect(chooseVideoEncoder("vp9", "gpu", "gpu", withNvenc)).toEqual({ ok: true, encoder: "libvpx-vp9" });
    expect(chooseVideoEncoder("vp9", "gpu", "cpu", cpuOnly)).toEqual({ ok: true, encoder: "libvpx-vp9" });
  });

  it("needs no encoder to copy or drop video", () => {
    expect(chooseVideoEncoder("copy", "gpu", "gpu", cpuOnly)).toEqual({ ok: true, encoder: null });
    expect(chooseVideoEncoder("none", "auto", "auto", cpuOnly)).toEqual({ ok: true, encoder: null });
  });

  it("says so when this ffmpeg lacks the CPU encoder", () => {
    expect(chooseVideoEncoder("hevc", "auto", "auto", { ...cpuOnly, libx265: false })).toMatchObject({
      ok: false,
      code: "ffmpeg_failed",
    });
  });
});

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A TEST DOUBLE OF A GPU: no GPU exists on the machines the tests run on
 * (docs/conventions.md allows a double only there). It writes two scripts:
 *
 * - `ffmpeg`, a wrapper a worker gets as FFMPEG_PATH, which runs the real
 *   ffmpeg with every GPU step mapped to software: `*_nvenc` encoders to
 *   libx264/libx265/libsvtav1 (NVENC's rate options to CRF), the CUDA
 *   hwaccel (NVDEC) dropped, `scale_cuda` to `scale`, `hwdownload` removed.
 *   The worker's start-up test encode and test decode therefore pass, and it
 *   routes, plans and logs jobs exactly as on a GPU; only the pixels are
 *   made by the CPU.
 * - `nvidia-smi`, which names the double as the card.
 *
 * Put `binDir` first on the worker's PATH for nvidia-smi. It holds no
 * ffmpeg, so the wrapper's own `ffmpeg` is the real one on PATH.
 */
export function writeFakeGpu(dir: string): { ffmpegPath: string; binDir: string } {
  const binDir = path.join(dir, "bin");
  mkdirSync(binDir, { recursive: true });
  const ffmpegPath = path.join(dir, "ffmpeg");
  writeFileSync(ffmpegPath, WRAPPER);
  chmodSync(ffmpegPath, 0o755);
  const smi = path.join(binDir, "nvidia-smi");
  writeFileSync(smi, '#!/bin/sh\necho "Test double of a GPU (software ffmpeg), 0.0"\n');
  chmodSync(smi, 0o755);
  return { ffmpegPath, binDir };
}

const WRAPPER = `#!/usr/bin/env bash
# TEST DOUBLE OF A GPU (tests/support/fake-gpu.ts): NVENC, NVDEC and CUDA
# filters mapped to software, then the real ffmpeg.
args=()
while [ $# -gt 0 ]; do
  a=$1; shift
  case "$a" in
    -hwaccel|-hwaccel_output_format|-rc) shift; continue ;;
    -tune) if [ "\${1:-}" = hq ]; then shift; continue; fi ;;
    -preset) if [[ "\${1:-}" =~ ^p[1-7]$ ]]; then shift; args+=(-preset ultrafast); continue; fi ;;
    -cq) a=-crf ;;
    h264_nvenc) a=libx264 ;;
    hevc_nvenc) a=libx265 ;;
    av1_nvenc) a=libsvtav1 ;;
  esac
  if [[ "$a" == *scale_cuda* || "$a" == *hwdownload* ]]; then
    a=\${a//scale_cuda=format=nv12/format=nv12}
    a=\${a//scale_cuda=/scale=}
    a=\${a//:format=nv12/}
    a=\${a//hwdownload,/}
  fi
  args+=("$a")
done
exec ffmpeg "\${args[@]}"
`;

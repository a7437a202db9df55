import { AUDIO_ENCODERS, NVENC_ENCODERS, VIDEO_ENCODERS } from "@converter/shared/ffmpeg";
import type { HardwareMode } from "@converter/shared/jobs";
import { runBriefly as run, whyFailed } from "./run-briefly.js";

export type EncoderCapabilities = {
  /** Encoder name → usable on this node. NVENC entries are true only after a real test encode passed. */
  encoders: Record<string, boolean>;
  /** Why each NVENC encoder is not used, for the start-up log. */
  notes: Record<string, string>;
};

/** Names in `ffmpeg -encoders`: what this build was compiled with, not what works. */
export async function listedEncoders(ffmpegPath: string): Promise<Set<string>> {
  const { ok, stdout } = await run(ffmpegPath, ["-hide_banner", "-encoders"], 10_000);
  if (!ok) throw new Error(`cannot run ${ffmpegPath} -encoders`);
  const names = new Set<string>();
  for (const line of stdout.split("\n")) {
    const match = /^\s[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/**
 * A real, tiny encode: the only proof that NVENC works. A card without an
 * NVENC unit (H100, A100), a container without the `video` driver
 * capability, or a driver too old for this ffmpeg all fail here.
 */
export async function testEncode(ffmpegPath: string, encoder: string): Promise<{ ok: boolean; why: string }> {
  const result = await run(ffmpegPath, testEncodeArgs(encoder), 20_000);
  return { ok: result.ok, why: result.ok ? "test encode passed" : whyFailed(result, "test encode failed") };
}

/** The test encode's arguments: 3 black 256x256 frames through the encoder, nothing written. */
export function testEncodeArgs(encoder: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "color=c=black:s=256x256:r=25:d=0.2",
    "-frames:v",
    "3",
    "-c:v",
    encoder,
    "-f",
    "null",
    "-",
  ];
}

export async function detectEncoders(ffmpegPath: string, hardware: HardwareMode): Promise<EncoderCapabilities> {
  const listed = await listedEncoders(ffmpegPath);
  const encoders: Record<string, boolean> = {};
  const notes: Record<string, string> = {};
  const cpuEncoders = [...Object.values(VIDEO_ENCODERS).map((e) => e.cpu), ...Object.values(AUDIO_ENCODERS)];
  for (const name of cpuEncoders) encoders[name] = listed.has(name);

  for (const name of NVENC_ENCODERS) {
    if (hardware === "cpu") {
      encoders[name] = false;
      notes[name] = "HARDWARE=cpu";
    } else if (!listed.has(name)) {
      encoders[name] = false;
      notes[name] = "not compiled into this ffmpeg";
    } else {
      const test = await testEncode(ffmpegPath, name);
      encoders[name] = test.ok;
      notes[name] = test.why;
    }
  }
  return { encoders, notes };
}

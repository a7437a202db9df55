import { spawnSync } from "node:child_process";

/** True when Debian's zzuf is on PATH (scripts/lib.sh installs it when it can). */
export const hasZzuf = spawnSync("zzuf", ["-V"], { stdio: "ignore" }).status === 0;

/**
 * A mutated copy of valid media: zzuf flips `ratio` of the bits with the
 * given seed, the same way every run. Without zzuf, a seeded bit flipper of
 * our own does the same job less cleverly.
 */
export function mutate(bytes: Buffer, seed: number, ratio: number): Buffer {
  if (hasZzuf) {
    const out = spawnSync("zzuf", ["-s", String(seed), "-r", String(ratio)], {
      input: bytes,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (out.status === 0) return out.stdout;
  }
  return flipBits(bytes, seed, ratio);
}

function flipBits(bytes: Buffer, seed: number, ratio: number): Buffer {
  const copy = Buffer.from(bytes);
  // mulberry32: small, seeded, good enough to pick bits.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const flips = Math.max(1, Math.round(copy.length * 8 * ratio));
  for (let i = 0; i < flips; i += 1) {
    const bit = Math.floor(next() * copy.length * 8);
    copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  }
  return copy;
}

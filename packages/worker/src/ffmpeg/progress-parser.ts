/** One `-progress` block of ffmpeg: the state after the frames written so far. */
export type ProgressSample = {
  /** Seconds of output written. */
  outTimeSeconds: number | null;
  fps: number | null;
  /** Encoding speed as a multiple of real time. */
  speed: number | null;
};

const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);

/**
 * Turns ffmpeg's `-progress pipe:1` output (key=value lines, each block
 * closed by `progress=continue|end`) into samples. Feed it chunks as they
 * arrive; lines split across chunks are handled.
 */
export class ProgressParser {
  private buffer = "";
  private block = new Map<string, string>();

  constructor(private readonly onSample: (sample: ProgressSample) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
      newline = this.buffer.indexOf("\n");
    }
  }

  private line(line: string): void {
    const eq = line.indexOf("=");
    if (eq <= 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key !== "progress") {
      this.block.set(key, value);
      return;
    }
    this.onSample(toSample(this.block));
    this.block = new Map();
  }
}

function toSample(block: Map<string, string>): ProgressSample {
  // out_time_us is microseconds; ffmpeg 5 also prints out_time_ms with the same
  // (mislabelled) microsecond value, so only out_time_us and out_time are read.
  const micros = Number(block.get("out_time_us"));
  let outTimeSeconds = Number.isFinite(micros) && micros >= 0 ? micros / 1e6 : null;
  if (outTimeSeconds === null) outTimeSeconds = parseClock(block.get("out_time"));
  const speedText = block.get("speed")?.replace(/x$/, "").trim();
  return {
    outTimeSeconds,
    fps: finiteOrNull(Number.parseFloat(block.get("fps") ?? "")),
    speed: finiteOrNull(Number.parseFloat(speedText ?? "")),
  };
}

/** "00:01:02.500000" → 62.5 */
function parseClock(text: string | undefined): number | null {
  const match = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text ?? "");
  if (!match || match[1] === "-") return null;
  return Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
}

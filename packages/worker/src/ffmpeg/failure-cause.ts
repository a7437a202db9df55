/**
 * Why ffmpeg failed, read from its stderr: ffmpeg ends a failed run with
 * "Conversion failed!" (or "Last message repeated N times"), while the cause
 * came a few lines earlier, among lines that only follow from it. A job's
 * error message names the cause in plain words where it is a known one (a
 * codec the container cannot hold, an odd frame size, a full disk), else the
 * last line that says something.
 */
export function failureCause(lines: readonly string[], container: string): string | undefined {
  for (const known of KNOWN_CAUSES) {
    for (const line of lines) {
      const match = known.pattern.exec(line);
      if (match) return known.say(match, container);
    }
  }
  return [...lines].reverse().find((line) => !CONSEQUENCES.some((pattern) => pattern.test(line)));
}

type KnownCause = { pattern: RegExp; say: (match: RegExpExecArray, container: string) => string };

const KNOWN_CAUSES: KnownCause[] = [
  {
    pattern: /(No space left on device|Disk quota exceeded)/,
    say: (m) => `the disk is full: ${m[1]}`,
  },
  {
    pattern: /Could not find tag for codec (\S+) in stream #\d+, codec not currently supported in container/,
    say: (m, container) =>
      `the ${container} container cannot hold the ${m[1]} codec; choose a container that can, or convert that stream instead of copying it`,
  },
  {
    pattern: /Only (VP8 or VP9 or AV1 video and Vorbis or Opus audio)[^.]* are supported for WebM/,
    say: (_m, container) =>
      `the ${container} container cannot hold this codec: WebM takes only VP8, VP9 or AV1 video and Vorbis or Opus audio; choose mkv, or convert instead of copying`,
  },
  {
    pattern: /(?:width|height) not divisible by 2 \((\d+x\d+)\)/,
    say: (m) => `the video is ${m[1]}: this encoder needs an even width and height (4:2:0)`,
  },
  {
    pattern: /(?:must be an integer multiple of the specified chroma subsampling|must be even for YUV_420)/,
    say: () => "the video has an odd width or height: this encoder needs them even (4:2:0)",
  },
  {
    pattern: /Unknown encoder '([^']+)'/,
    say: (m) => `this worker's ffmpeg has no ${m[1]} encoder`,
  },
];

/** Lines that only follow from an earlier cause: ffmpeg's closing words, its context, and its summaries. */
const CONSEQUENCES = [
  /^Conversion failed!/,
  /^\s*Last message repeated \d+ times?/,
  /^Error initializing output stream [\d:]+ --\s*$/,
  /^Stream mapping:/,
  /^\s+Stream #/,
  /^Could not write header for output file/,
  /^Error while opening encoder for output stream/,
  /^Error initializing output stream [\d:]+ -- Error while opening encoder/,
  /^\s*$/,
];

/**
 * Errors of writing the output, as ffmpeg reports a failed write of its
 * muxer, trailer or file: an unfinished trailer whatever the reason, any
 * other write that failed for an I/O reason.
 */
const WRITE_ERROR =
  /^(Error writing trailer of|Error closing file) |(av_interleaved_write_frame\(\)|Error writing trailer|Error closing file|Error submitting a packet to the muxer|Error muxing a packet).*: (No space left on device|Disk quota exceeded|Input\/output error|File too large|Read-only file system|Bad file descriptor)|^.*: (No space left on device|Disk quota exceeded)$/;

/** The line reports that writing the output failed (whatever ffmpeg's exit status says afterwards). */
export function isWriteError(line: string): boolean {
  return WRITE_ERROR.test(line);
}

/** The write failed because the disk (or the quota) is full. */
export function isDiskFull(line: string): boolean {
  return /No space left on device|Disk quota exceeded/.test(line);
}

/**
 * Demuxers an input may be opened with. Chosen from the containers people
 * send to a conversion service; left out on purpose are the demuxers that
 * open other files or URLs named inside the input (hls, dash, concat,
 * ffconcat, image2/image sequences, tty, lavfi, subtitle and playlist
 * formats), which is how CVE-2016-1897/1898 and CVE-2017-9993 read local
 * files into an output (docs/adr/0007-hostile-input.md). ffmpeg matches any
 * name of a demuxer, so "mov" admits mov,mp4,m4a,3gp,3g2,mj2.
 */
export const INPUT_DEMUXERS = [
  "mov",
  "matroska",
  "avi",
  "mpegts",
  "mpeg",
  "flv",
  "ogg",
  "asf",
  "mp3",
  "aac",
  "wav",
  "flac",
  "aiff",
] as const;

/**
 * Input options for ffmpeg and ffprobe alike: only the `file` protocol (no
 * http, concat:, subfile:, data:, gopher:, unix: — not even from inside a
 * file) and only the demuxers above.
 */
export function inputSafetyArgs(): string[] {
  return ["-protocol_whitelist", "file", "-format_whitelist", INPUT_DEMUXERS.join(",")];
}

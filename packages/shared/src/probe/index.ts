/**
 * `@converter/shared/probe` (API and worker): ffprobe into a checked
 * description of a file, and the input lockdown options every ffmpeg and
 * ffprobe run gets, so both processes open a client's file under the same
 * rules (docs/adr/0007-hostile-input.md).
 */
export * from "./input-safety.js";
export * from "./media-info.js";
export * from "./probe-media.js";
export * from "./stream-counts.js";
export * from "./video-frames.js";

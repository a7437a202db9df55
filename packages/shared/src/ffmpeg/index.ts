/**
 * `@converter/shared/ffmpeg` (worker only): the pure ffmpeg argument
 * builder, the encoder and muxer names behind the API's codec words, and the
 * input lockdown options every ffmpeg and ffprobe run gets.
 */
export * from "./build-ffmpeg-args.js";
export * from "./encoders.js";
export * from "./input-safety.js";

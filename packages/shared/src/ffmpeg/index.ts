/**
 * `@converter/shared/ffmpeg` (worker only): the pure ffmpeg argument
 * builder and the encoder and muxer names behind the API's codec words. The
 * input lockdown options live with the probe (`@converter/shared/probe`),
 * which the API uses too.
 */
export * from "./build-ffmpeg-args.js";
export * from "./encoders.js";

import { INPUT_FD_PATH, OUTPUT_FD_PATH } from "./plan-encode.js";

/** The paths of one run, on this node and as the client named them. */
export type RunPaths = {
  inputPath: string;
  tempPath: string;
  targetPath: string;
  data: { input: string; output: string };
};

/** Clients see paths relative to MEDIA_ROOT (or as they named them), never this node's layout. */
export function shownPaths(paths: RunPaths, text: string): string {
  return text
    .replaceAll(`file:${paths.inputPath}`, paths.data.input)
    .replaceAll(paths.inputPath, paths.data.input)
    .replaceAll(`file:${paths.tempPath}`, paths.data.output)
    .replaceAll(paths.tempPath, paths.data.output)
    .replaceAll(paths.targetPath, paths.data.output)
    .replaceAll(`file:${INPUT_FD_PATH}`, paths.data.input)
    .replaceAll(INPUT_FD_PATH, paths.data.input)
    .replaceAll(`file:${OUTPUT_FD_PATH}`, paths.data.output)
    .replaceAll(OUTPUT_FD_PATH, paths.data.output);
}

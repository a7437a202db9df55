/** The paths of one run, on this node and as the client named them. */
export type RunPaths = {
  inputPath: string;
  tempPath: string;
  targetPath: string;
  data: { input: string; output: string };
};

/** Clients see paths relative to MEDIA_ROOT, never this node's layout. */
export function shownPaths(paths: RunPaths, text: string): string {
  return text
    .replaceAll(`file:${paths.inputPath}`, paths.data.input)
    .replaceAll(paths.inputPath, paths.data.input)
    .replaceAll(`file:${paths.tempPath}`, paths.data.output)
    .replaceAll(paths.tempPath, paths.data.output)
    .replaceAll(paths.targetPath, paths.data.output);
}

import { stat } from "node:fs/promises";

/**
 * Calls onStall once ffmpeg has made no progress for stallTimeoutMs. A hung
 * ffmpeg (a stuck read from a network share, a wedged GPU) would otherwise
 * hold the job in_progress forever while its lock stays renewed. Progress is
 * encoded time moving on, or the output still being written: MP4's
 * faststart pass rewrites the whole file after the last progress report,
 * which takes minutes for a large file on slow storage.
 */
export function watchForStall(options: { outputPath: string; stallTimeoutMs: number; onStall: () => void }): {
  noteOutTime(seconds: number | null): void;
  stop(): void;
} {
  let lastAdvanceAt = Date.now();
  let furthestOutTime = -1;
  const timer = setInterval(
    () => {
      if (Date.now() - lastAdvanceAt < options.stallTimeoutMs) return;
      void stat(options.outputPath).then(
        (file) => {
          if (file.mtimeMs > lastAdvanceAt) lastAdvanceAt = file.mtimeMs;
          else options.onStall();
        },
        () => options.onStall(),
      );
    },
    Math.min(1000, options.stallTimeoutMs / 4),
  );
  timer.unref();
  return {
    noteOutTime(seconds) {
      if (seconds !== null && seconds > furthestOutTime) {
        furthestOutTime = seconds;
        lastAdvanceAt = Date.now();
      }
    },
    stop: () => clearInterval(timer),
  };
}

import type { JobLimits } from "@converter/shared/config/worker";
import type { MediaInfo } from "@converter/shared/probe";

export type LimitBreach = { code: "input_too_large" | "input_limit_exceeded"; message: string };

/**
 * The input's size on disk against MAX_INPUT_BYTES: checked before anything
 * opens the file. Messages name the variable so an operator knows which knob
 * a legitimate file needs.
 */
export function inputSizeBreach(sizeBytes: number, limits: JobLimits): LimitBreach | undefined {
  if (sizeBytes <= limits.maxInputBytes) return undefined;
  return {
    code: "input_too_large",
    message: `the input is ${sizeBytes} bytes; MAX_INPUT_BYTES allows ${limits.maxInputBytes}`,
  };
}

/** The first limit ffprobe's description of the input breaks, or undefined when it keeps them all. */
export function inputLimitBreach(info: MediaInfo, limits: JobLimits): LimitBreach | undefined {
  const over = (message: string): LimitBreach => ({ code: "input_limit_exceeded", message });
  if (info.streamCount > limits.maxInputStreams) {
    return over(`the input has ${info.streamCount} streams; MAX_INPUT_STREAMS allows ${limits.maxInputStreams}`);
  }
  for (const { width, height } of info.frameSizes) {
    const size = `${width}x${height}`;
    if (width > limits.maxInputWidth) {
      return over(`the input's video is ${size}; MAX_INPUT_WIDTH allows ${limits.maxInputWidth} pixels wide`);
    }
    if (height > limits.maxInputHeight) {
      return over(`the input's video is ${size}; MAX_INPUT_HEIGHT allows ${limits.maxInputHeight} pixels high`);
    }
    if (width * height > limits.maxInputPixels) {
      return over(`the input's video is ${size}; MAX_INPUT_PIXELS allows ${limits.maxInputPixels} pixels a frame`);
    }
  }
  if (info.durationSeconds !== null && info.durationSeconds > limits.maxInputDurationSeconds) {
    return over(
      `the input lasts ${info.durationSeconds.toFixed(1)} s; MAX_INPUT_DURATION_SECONDS allows ${limits.maxInputDurationSeconds}`,
    );
  }
  return undefined;
}

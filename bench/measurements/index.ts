import type { Measurement } from "../lib/measurement.js";
import { copyVsEncode } from "./copy-vs-encode.js";
import { dispatchLatency } from "./dispatch-latency.js";
import { downloadVsCat } from "./download-vs-cat.js";
import { idleEventStreams } from "./idle-event-streams.js";
import { segmentedEncoding } from "./segmented-encoding.js";
import { serviceVsFfmpeg } from "./service-vs-ffmpeg.js";
import { uploadVsCp } from "./upload-vs-cp.js";

/** Every measurement, in the order they run and are reported. A new one: its file, plus one line here. */
export const MEASUREMENTS: readonly Measurement[] = [
  serviceVsFfmpeg,
  dispatchLatency,
  copyVsEncode,
  uploadVsCp,
  downloadVsCat,
  idleEventStreams,
  segmentedEncoding,
];

import type { Measurement } from "../lib/measurement.js";
import { copyVsEncode } from "./copy-vs-encode.js";
import { dispatchLatency } from "./dispatch-latency.js";
import { downloadVsCat } from "./download-vs-cat.js";
import { ffmpegStart } from "./ffmpeg-start.js";
import { httpReads } from "./http-reads.js";
import { idleEventStreams } from "./idle-event-streams.js";
import { memorySoak } from "./memory-soak.js";
import { queueDepth } from "./queue-depth.js";
import { segmentedEncoding } from "./segmented-encoding.js";
import { serviceVsFfmpeg } from "./service-vs-ffmpeg.js";
import { shortJobs } from "./short-jobs.js";
import { submissionBurst } from "./submission-burst.js";
import { uploadVsCp } from "./upload-vs-cp.js";

/** Every measurement, in the order they run and are reported. A new one: its file, plus one line here. */
export const MEASUREMENTS: readonly Measurement[] = [
  serviceVsFfmpeg,
  httpReads,
  submissionBurst,
  queueDepth,
  shortJobs,
  ffmpegStart,
  dispatchLatency,
  copyVsEncode,
  uploadVsCp,
  downloadVsCat,
  idleEventStreams,
  memorySoak,
  segmentedEncoding,
];

import type { Measurement } from "../lib/measurement.js";
import { dispatchLatency } from "./dispatch-latency.js";
import { idleEventStreams } from "./idle-event-streams.js";
import { serviceVsFfmpeg } from "./service-vs-ffmpeg.js";

/** Every measurement, in the order they run and are reported. A new one: its file, plus one line here. */
export const MEASUREMENTS: readonly Measurement[] = [serviceVsFfmpeg, dispatchLatency, idleEventStreams];

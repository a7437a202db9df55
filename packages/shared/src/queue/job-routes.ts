import { VIDEO_ENCODERS } from "../ffmpeg/encoders.js";
import type { HardwareMode, VideoCodec } from "../jobs/media-words.js";

/**
 * Which BullMQ queue a job waits in, by what it needs of a worker
 * (docs/adr/0016-jobs-routed-by-capability.md). A worker consumes only the
 * queues it proved it can serve at start, so a job is never taken by a
 * worker that would have to fail it:
 *
 * - `any`: jobs every worker runs (`hardware: cpu`, video copied, dropped or
 *   in a codec without an NVENC encoder). The queue is QUEUE_NAME itself, so
 *   jobs queued by an older API are still found there.
 * - `gpu-preferred`: `hardware: auto` jobs whose codec NVENC can encode. Any
 *   worker may run them, but a worker without NVENC steps back while a GPU
 *   worker has a free slot.
 * - `<codec>_nvenc`: `hardware: gpu` jobs, run only by workers whose test
 *   encode of that NVENC encoder passed.
 */
export const JOB_ROUTES = ["any", "gpu-preferred", "h264_nvenc", "hevc_nvenc", "av1_nvenc"] as const;
export type JobRoute = (typeof JOB_ROUTES)[number];

/** The routes whose jobs require an NVENC encoder, each named after it. */
export type NvencRoute = Extract<JobRoute, `${string}_nvenc`>;

export function isNvencRoute(route: string): route is NvencRoute {
  return route.endsWith("_nvenc") && (JOB_ROUTES as readonly string[]).includes(route);
}

/** The route of a job, from its resolved options alone: the API, the reconciler and Bull Board agree without storing it. */
export function routeOf(options: { video_codec: VideoCodec; hardware: HardwareMode }): JobRoute {
  const { video_codec: codec, hardware } = options;
  if (codec === "copy" || codec === "none" || hardware === "cpu") return "any";
  const nvenc = VIDEO_ENCODERS[codec].gpu;
  if (nvenc === null) return "any";
  if (hardware === "auto") return "gpu-preferred";
  return nvenc as NvencRoute;
}

/** The BullMQ queue of a route: QUEUE_NAME for `any`, `<QUEUE_NAME>-<route>` for the others. */
export function routeQueueName(queueName: string, route: JobRoute): string {
  return route === "any" ? queueName : `${queueName}-${route}`;
}

/** What a worker must have proved to take a route's jobs, for the reason a job waits. */
export function routeRequirement(route: JobRoute): string {
  if (route === "any") return "any worker";
  if (route === "gpu-preferred") return "any worker (a GPU worker first)";
  return `a worker whose ${route} encoder passed its start-up test encode`;
}

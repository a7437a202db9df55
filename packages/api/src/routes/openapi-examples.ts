import type { FileList, MediaDescription, UploadView } from "@converter/shared/files";
import type { ConvertRequest, JobView } from "@converter/shared/jobs";
import type { WorkerHeartbeat } from "@converter/shared/queue";

/**
 * The examples of the OpenAPI document's request and response bodies, typed
 * by the schemas they illustrate; `redocly lint` checks them against the
 * document's schemas too (no-invalid-media-type-examples).
 */

const JOB_ID = "0192f3c4-5a6b-7c8d-9e0f-123456789abc";

export const convertRequestExample = {
  input: "incoming/clip.mkv",
  preset: "h264-720p",
  options: { crf: 23 },
  stream_copy: "never",
} satisfies ConvertRequest;

export const jobExample = {
  job_id: JOB_ID,
  status: "completed",
  progress: 100,
  input: "incoming/clip.mkv",
  output: "converted/clip.mp4",
  preset: "h264-720p",
  options: {
    container: "mp4",
    video_codec: "h264",
    crf: 23,
    video_bitrate: null,
    width: null,
    height: 720,
    fps: null,
    audio_codec: "aac",
    audio_bitrate: "128k",
    start: null,
    duration: null,
    hardware: "auto",
  },
  overwrite: false,
  priority: 5,
  stream_copy: "never",
  encoder: "libx264",
  worker: "worker-1",
  fps: null,
  speed: null,
  eta_seconds: null,
  attempts: 1,
  retries: 0,
  created_at: "2026-11-27T10:00:00.000Z",
  started_at: "2026-11-27T10:00:00.120Z",
  finished_at: "2026-11-27T10:00:04.870Z",
  error: null,
  result: {
    output: "converted/clip.mp4",
    size_bytes: 1048576,
    duration_seconds: 10,
    video_codec: "h264",
    audio_codec: "aac",
    width: 1280,
    height: 720,
    streams: [
      { type: "video", action: "encoded", codec: "h264", reason: "stream_copy is never" },
      { type: "audio", action: "encoded", codec: "aac", reason: "stream_copy is never" },
    ],
  },
  webhook_url: null,
  webhook: null,
  queue: "conversions",
  waiting_reason: null,
  pipeline: { decode: "cpu", scale: "cpu", encode: "cpu", note: null },
  segments: null,
} satisfies JobView;

export const queuedJobExample = {
  ...jobExample,
  status: "queued",
  progress: 0,
  encoder: null,
  worker: null,
  started_at: null,
  finished_at: null,
  result: null,
  pipeline: null,
} satisfies JobView;

export const cancelledJobExample = {
  ...queuedJobExample,
  status: "cancelled",
  finished_at: "2026-11-27T10:00:01.000Z",
  error: { code: "cancelled", message: "cancelled by a client" },
} satisfies JobView;

export const jobLogsExample = {
  logs: [
    "ffmpeg -hide_banner -i incoming/clip.mkv -c:v libx264 -crf 23 -vf scale=-2:720 -c:a aac -b:a 128k converted/.clip.mp4",
    "frame=  250 fps=118 q=28.0 size=    1024kB time=00:00:10.00 bitrate= 838.9kbits/s speed=3.9x",
    "completed",
  ],
};

export const workerExample = {
  name: "worker-1",
  hardware: "auto",
  concurrency: 2,
  encoders: { libx264: true, h264_nvenc: false },
  active_jobs: 1,
  started_at: "2026-11-27T09:00:00.000Z",
  host: "media-1",
  version: "0.1.0",
  routes: ["conversions"],
  running_jobs: [JOB_ID],
  heartbeat_at: "2026-11-27T10:00:02.000Z",
} satisfies WorkerHeartbeat;

export const healthExample = {
  status: "ok",
  version: "0.1.0",
  ffmpeg: { version: "7.1.1" },
  redis: "ok",
  database: "ok",
  queue: { waiting: 0, active: 1 },
  queues: [{ name: "conversions", routes: ["cpu"], waiting: 0, active: 1, workers: 1, waiting_reason: null }],
  workers: [workerExample],
  problems: [],
  warnings: [],
} as const;

export const uploadExample = {
  upload_id: JOB_ID,
  path: `uploads/${JOB_ID}/holiday.mkv`,
  name: "holiday.mkv",
  size_bytes: 1048576,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  status: "complete",
  created_at: "2026-11-27T10:00:00.000Z",
  completed_at: "2026-11-27T10:00:01.000Z",
} satisfies UploadView;

export const fileListExample = {
  dir: "incoming",
  entries: [
    { name: "old", path: "incoming/old", is_dir: true, size_bytes: null, modified_at: "2026-11-26T08:00:00.000Z" },
    {
      name: "clip.mkv",
      path: "incoming/clip.mkv",
      is_dir: false,
      size_bytes: 1048576,
      modified_at: "2026-11-27T09:59:00.000Z",
    },
  ],
  next_cursor: null,
} satisfies FileList;

export const mediaDescriptionExample = {
  input: "incoming/clip.mkv",
  container: "matroska,webm",
  duration_seconds: 10,
  size_bytes: 1048576,
  bit_rate: 838860,
  streams: [
    {
      index: 0,
      type: "video",
      codec: "h264",
      profile: "High",
      width: 1920,
      height: 1080,
      frame_rate: 25,
      pix_fmt: "yuv420p",
      bit_depth: 8,
      channels: null,
      sample_rate: null,
      bit_rate: null,
      duration_seconds: 10,
      attached_pic: false,
    },
    {
      index: 1,
      type: "audio",
      codec: "aac",
      profile: "LC",
      width: null,
      height: null,
      frame_rate: null,
      pix_fmt: null,
      bit_depth: null,
      channels: 2,
      sample_rate: 48000,
      bit_rate: 128000,
      duration_seconds: 10,
      attached_pic: false,
    },
  ],
} satisfies MediaDescription;

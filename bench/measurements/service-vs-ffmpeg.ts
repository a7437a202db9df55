import { statSync } from "node:fs";
import { formatCommandLine } from "@converter/shared/ffmpeg";
import { makeClip } from "../../tests/support/media.js";
import { type DirectCommand, directCommandOf, runDirect } from "../lib/direct-ffmpeg.js";
import { ffmpegStartedAt, workerFfmpegSeconds } from "../lib/job-log.js";
import type { Measurement, MeasurementResult } from "../lib/measurement.js";
import { median, round } from "../lib/stats.js";

const GOAL_RATIO = 1.05;
const PRESET = "h264-720p";
const INPUT = "incoming/clip.mkv";

type ServiceRun = {
  ms: number;
  jobId: string;
  /** POST sent -> the worker's "ffmpeg started" log line, wall clock. */
  dispatchMs: number | null;
  /** ffmpeg's own run inside the worker, as it logged it. */
  workerFfmpegS: number | null;
  sizeBytes: number | null;
  encoder: string | null;
  /** The command to time directly, from this job. */
  direct: (n: number) => Promise<DirectCommand>;
};

type Pair = { pair: number; order: string; service: ServiceRun; direct: { ms: number; sizeBytes: number } };

/**
 * A long encode through the service (POST /convert to status completed)
 * against the very same ffmpeg argv run directly, in pairs of alternating
 * order; the figure is the median of the per-pair ratios.
 */
export const serviceVsFfmpeg: Measurement = {
  name: "service-vs-ffmpeg",
  summary: `a 1080p clip -> ${PRESET} through the service vs. the same ffmpeg argv run directly`,
  async run({ deployment, options, log, signal }) {
    const { api, workerConfig } = deployment;
    const workerEncoders = (await deployment.health()).workers[0]?.encoders ?? null;
    log(`generating a ${options.duration} s 1920x1080 clip`);
    await makeClip(deployment.media(INPUT), {
      width: 1920,
      height: 1080,
      rate: 30,
      seconds: options.duration,
      ffmpegPath: workerConfig.ffmpegPath,
    });
    const jobTimeoutMs = Math.max(600_000, options.duration * 120_000);

    const viaService = async (n: number): Promise<ServiceRun> => {
      const sentAt = Date.now(); // wall clock: compared with the worker's ISO timestamp (same machine)
      const t0 = performance.now();
      const jobId = await api.submit({ input: INPUT, preset: PRESET, output: `out/service-${n}.mp4` });
      const job = await api.waitCompleted(jobId, jobTimeoutMs);
      const ms = performance.now() - t0;
      const logs = await api.logs(jobId);
      const started = ffmpegStartedAt(logs);
      deployment.assertRunning();
      return {
        ms,
        jobId,
        dispatchMs: started === null ? null : started - sentAt,
        workerFfmpegS: workerFfmpegSeconds(logs),
        sizeBytes: job.result?.size_bytes ?? null,
        encoder: job.encoder,
        direct: (pair) => directCommandOf(job, logs, workerConfig, deployment.media(`out/direct-${pair}.mp4`)),
      };
    };
    let command: DirectCommand | undefined;
    const direct = async (n: number, from: ServiceRun) => {
      command = await from.direct(n);
      const ms = await runDirect(command, signal);
      return { ms, sizeBytes: statSync(command.outputPath).size };
    };

    const pairs: Pair[] = [];
    let previous: ServiceRun | undefined;
    for (let n = 1; n <= options.runs; n++) {
      // Odd pairs start with the service, even ones with ffmpeg, so neither
      // always runs on a machine warmed (or still busy) from the other. The
      // direct run takes its command from the service job of pair 1 onwards.
      const serviceFirst = n % 2 === 1;
      let service: ServiceRun;
      let directRun: Pair["direct"];
      if (serviceFirst || !previous) {
        service = await viaService(n);
        directRun = await direct(n, service);
      } else {
        directRun = await direct(n, previous);
        service = await viaService(n);
      }
      previous = service;
      pairs.push({ pair: n, order: serviceFirst ? "service,direct" : "direct,service", service, direct: directRun });
      log(
        `pair ${n}/${options.runs} (${serviceFirst ? "service first" : "direct first"}): ` +
          `service ${(service.ms / 1000).toFixed(3)} s, direct ${(directRun.ms / 1000).toFixed(3)} s, ` +
          `ratio ${(service.ms / directRun.ms).toFixed(3)}`,
      );
    }
    const result = summarise(pairs, options.duration, command);
    result.data.worker_encoders = workerEncoders;
    return result;
  },
};

function summarise(pairs: Pair[], duration: number, command: DirectCommand | undefined): MeasurementResult {
  const serviceMs = median(pairs.map((p) => p.service.ms)) ?? Number.NaN;
  const directMs = median(pairs.map((p) => p.direct.ms)) ?? Number.NaN;
  // Each pair runs back to back, so a shared machine's speed drifting between
  // pairs cancels out of its ratio: the median of the pair ratios is the
  // headline; the ratio of the medians is printed beside it.
  const ratio = median(pairs.map((p) => p.service.ms / p.direct.ms)) ?? Number.NaN;
  const known = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
  const dispatchMs = median(known(pairs.map((p) => p.service.dispatchMs)));
  const workerFfmpegS = median(known(pairs.map((p) => p.service.workerFfmpegS)));
  const encoder = pairs.at(-1)?.service.encoder ?? null;
  const seconds = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(3)).join(", ");
  return {
    rows: [
      {
        metric: `1920x1080 ${duration} s -> ${PRESET}, POST to completed vs ffmpeg, ${pairs.length} pair(s)`,
        value: `${(serviceMs / 1000).toFixed(3)} s`,
        baseline: `${(directMs / 1000).toFixed(3)} s`,
        ratio,
        goal: `<= ${GOAL_RATIO}`,
        goalMet: ratio <= GOAL_RATIO,
      },
    ],
    notes: [
      `service [${seconds(pairs.map((p) => p.service.ms))}] s, direct [${seconds(pairs.map((p) => p.direct.ms))}] s (medians in the table)`,
      `ratio: median of the per-pair ratios; the ratio of the medians is ${(serviceMs / directMs).toFixed(3)}`,
      `of the service's time: POST -> ffmpeg started, median ${dispatchMs ?? "n/a"} ms; ffmpeg's own run in the worker, median ${workerFfmpegS ?? "n/a"} s`,
      `output sizes (service/direct): ${pairs.map((p) => `${p.service.sizeBytes}/${p.direct.sizeBytes}`).join(", ")} bytes`,
      `direct command: ${command ? formatCommandLine(command.ffmpegPath, command.args) : "n/a"}`,
    ],
    facts: encoder ? { encoder } : {},
    data: {
      clip: { size: "1920x1080", fps: 30, duration_s: duration, preset: PRESET },
      runs: pairs.length,
      encoder,
      service_median_s: round(serviceMs / 1000, 3),
      direct_median_s: round(directMs / 1000, 3),
      ratio: round(ratio, 4),
      ratio_of_medians: round(serviceMs / directMs, 4),
      goal_ratio: GOAL_RATIO,
      goal_met: ratio <= GOAL_RATIO,
      worker_ffmpeg_median_s: round(workerFfmpegS, 3),
      service_dispatch_median_ms: round(dispatchMs, 1),
      command: command ? [command.ffmpegPath, ...command.args] : null,
      worker_command_line: command?.workerCommandLine ?? null,
      pairs: pairs.map((p) => ({
        pair: p.pair,
        order: p.order,
        job_id: p.service.jobId,
        service_s: round(p.service.ms / 1000, 3),
        direct_s: round(p.direct.ms / 1000, 3),
        service_dispatch_ms: p.service.dispatchMs,
        worker_ffmpeg_s: p.service.workerFfmpegS,
        service_size_bytes: p.service.sizeBytes,
        direct_size_bytes: p.direct.sizeBytes,
      })),
    },
  };
}

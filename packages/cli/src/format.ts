import type { Job } from "@converter/client";

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** Rows as columns separated by two spaces, each as wide as its widest cell. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** What a job produced, in one line: "converted/clip.mp4 (h264/aac, 1280x720, 10.0 s, 1.0 MiB)". */
export function describeResult(job: Job): string {
  const r = job.result;
  if (!r) return job.output;
  const codecs = [r.video_codec, r.audio_codec].filter(Boolean).join("/");
  const parts = [
    codecs,
    r.width && r.height ? `${r.width}x${r.height}` : "",
    r.duration_seconds !== null ? `${r.duration_seconds.toFixed(1)} s` : "",
    formatBytes(r.size_bytes),
  ].filter(Boolean);
  return `${r.output} (${parts.join(", ")})`;
}

/** The lines `converter status` shows. */
export function describeJob(job: Job): string {
  const lines = [
    `job       ${job.job_id}`,
    `status    ${job.status}${job.status === "in_progress" ? ` ${job.progress.toFixed(1)}%` : ""}`,
    `input     ${job.input}`,
    `output    ${job.output}`,
    `preset    ${job.preset}`,
    `created   ${job.created_at}`,
  ];
  if (job.encoder) lines.push(`encoder   ${job.encoder}${job.worker ? ` on ${job.worker}` : ""}`);
  if (job.waiting_reason) lines.push(`waiting   ${job.waiting_reason}`);
  if (job.result) lines.push(`result    ${describeResult(job)}`);
  if (job.error) lines.push(`error     ${job.error.code}: ${job.error.message}`);
  return lines.join("\n");
}

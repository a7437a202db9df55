import type { Machine } from "./machine.js";
import type { MeasurementResult } from "./measurement.js";

/** One measurement's outcome: its result, or why it did not run. */
export type Outcome = { name: string } & ({ result: MeasurementResult } | { skipped: string });

/** The summary: the machine, one table row per figure (ratios against the same run's baselines), then details. */
export function formatReport(machine: Machine, outcomes: readonly Outcome[]): string {
  const facts = outcomes.flatMap((o) => ("result" in o ? Object.entries(o.result.facts ?? {}) : []));
  const header = ["measurement", "metric", "service", "baseline", "ratio", "goal", "verdict"];
  const rows: string[][] = [];
  for (const outcome of outcomes) {
    if ("skipped" in outcome) {
      rows.push([outcome.name, `skipped (${outcome.skipped})`, "", "", "", "", ""]);
      continue;
    }
    for (const row of outcome.result.rows) {
      rows.push([
        outcome.name,
        row.metric,
        row.value,
        row.baseline ?? "-",
        row.ratio === null ? "-" : row.ratio.toFixed(3),
        row.goal ?? "-",
        row.goalMet === null ? "" : row.goalMet ? "met" : "NOT met",
      ]);
    }
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [
    "",
    "=== FFmpeg Converter benchmark ===",
    `machine  ${machine.cores} cores (${machine.cpuModel ?? "unknown CPU"}), node ${machine.node}, ffmpeg ${machine.ffmpeg}` +
      facts.map(([key, value]) => `, ${key} ${value}`).join(""),
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ];
  for (const outcome of outcomes) {
    if (!("result" in outcome) || outcome.result.notes.length === 0) continue;
    out.push("", `${outcome.name}:`, ...outcome.result.notes.map((note) => `  ${note}`));
  }
  out.push("");
  return out.join("\n");
}

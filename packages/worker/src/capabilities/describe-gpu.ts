import type { WorkerGpu } from "@converter/shared/queue";
import { runBriefly } from "./run-briefly.js";

/**
 * The card and driver as nvidia-smi names them, for /workers; null where
 * there is no nvidia-smi (no NVIDIA driver, or a container without the
 * `utility` capability). Only informative: what a worker runs on the GPU is
 * decided by its test encodes and decodes, never by this.
 */
export async function describeGpu(nvidiaSmi = "nvidia-smi"): Promise<WorkerGpu | null> {
  const run = await runBriefly(nvidiaSmi, ["--query-gpu=name,driver_version", "--format=csv,noheader"], 10_000);
  if (!run.ok) return null;
  const cards = run.stdout
    .split("\n")
    .map((line) => line.split(",").map((part) => part.trim()))
    .filter((parts) => parts.length >= 2 && parts[0]);
  const [model, driver] = cards[0] ?? [];
  if (!model || !driver) return null;
  return { model, driver, count: cards.length };
}

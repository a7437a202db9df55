import { median, round } from "./stats.js";

export type PairTimes = { pair: number; order: string; serviceMs: number; baselineMs: number };

/**
 * Runs `runs` pairs of a service run and its baseline, alternating which
 * goes first (pair 1 the service, pair 2 the baseline, …), so a machine
 * whose speed drifts, or a page cache that warms, favours neither side.
 */
export async function alternatingPairs(
  runs: number,
  service: (n: number) => Promise<number>,
  baseline: (n: number) => Promise<number>,
  log: (line: string) => void,
): Promise<PairTimes[]> {
  const pairs: PairTimes[] = [];
  for (let n = 1; n <= runs; n++) {
    const serviceFirst = n % 2 === 1;
    let serviceMs: number;
    let baselineMs: number;
    if (serviceFirst) {
      serviceMs = await service(n);
      baselineMs = await baseline(n);
    } else {
      baselineMs = await baseline(n);
      serviceMs = await service(n);
    }
    pairs.push({ pair: n, order: serviceFirst ? "service first" : "baseline first", serviceMs, baselineMs });
    log(`pair ${n}/${runs}: service ${(serviceMs / 1000).toFixed(2)} s, baseline ${(baselineMs / 1000).toFixed(2)} s`);
  }
  return pairs;
}

/** The median of the per-pair ratios service/baseline, and each side's median time. */
export function pairFigures(pairs: readonly PairTimes[]) {
  const ratio = median(pairs.map((p) => p.serviceMs / p.baselineMs)) ?? Number.NaN;
  return {
    ratio,
    serviceMs: median(pairs.map((p) => p.serviceMs)) ?? Number.NaN,
    baselineMs: median(pairs.map((p) => p.baselineMs)) ?? Number.NaN,
    data: pairs.map((p) => ({ ...p, serviceMs: round(p.serviceMs, 1), baselineMs: round(p.baselineMs, 1) })),
  };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

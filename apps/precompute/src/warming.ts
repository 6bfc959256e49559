import type { AccessCount } from '@openvine/aggregator';
import { LIMITS, PRECOMPUTED_LIMITS, type ReadTarget, type TrendingWindow } from '@openvine/trending-core';

/** How many requested (format, window, limit) pairs one run warms at most. */
export const MAX_WARMED_READS = LIMITS.warmedReads;

/**
 * What a run warms at the edge, most requested first: the pairs clients actually asked for in
 * the last hour (including limits outside 10/20/50/100, and the app's formats), then `/v1`'s
 * precomputed limits. Pairs nobody asked for recently drop out because their counts age out.
 */
export function warmingPlan(
  popular: readonly AccessCount[],
  windows: readonly TrendingWindow[],
): ReadTarget[] {
  const plan: ReadTarget[] = [];
  const seen = new Set<string>();
  const add = (target: ReadTarget) => {
    const key = `${target.format}:${target.window}:${target.limit}`;
    if (seen.has(key) || !windows.includes(target.window)) return;
    seen.add(key);
    plan.push(target);
  };
  for (const { format, window, limit } of popular.slice(0, MAX_WARMED_READS)) add({ format, window, limit });
  for (const window of windows) {
    for (const limit of PRECOMPUTED_LIMITS) add({ format: 'v1', window, limit });
  }
  return plan;
}

/** Windows in the order their most requested pair ranks, so the busiest window is fresh first. */
export function windowOrder(
  popular: readonly AccessCount[],
  windows: readonly TrendingWindow[],
): TrendingWindow[] {
  const first = popular.map((p) => p.window).filter((w) => windows.includes(w));
  return [...new Set([...first, ...windows])];
}

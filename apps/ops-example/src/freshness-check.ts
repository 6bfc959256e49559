import type { PrecomputeReport } from '@openvine/precompute';
import { type TrendingWindow, TTL_POLICY, WINDOWS } from '@openvine/trending-core';
import type { OpsExampleEnv } from './env.ts';

/** The part of precompute's `status()` the decision needs. */
export interface FreshnessStatus {
  /** Seconds since the last precompute run finished (null before the first). */
  lastRunAgeS: number | null;
  windows: Record<TrendingWindow, { snapshotAgeMs: number | null }>;
}

export interface FreshnessLimits {
  /** Older than this, the aggregator no longer serves a window's snapshot. */
  maxSnapshotAgeMs: number;
  /** Older than this, the KV copies the last run wrote are close to expiring. */
  maxLastRunAgeMs: number;
}

export const DEFAULT_LIMITS: FreshnessLimits = {
  maxSnapshotAgeMs: TTL_POLICY.doSnapshot.maxServeMs,
  // Half the KV TTL: precompute's every-minute cron has missed at least two runs by then.
  maxLastRunAgeMs: (TTL_POLICY.kv.expirationTtlS * 1000) / 2,
};

/**
 * The windows that need a precompute: every window when there was no run yet or the last one is
 * so old that its KV copies are about to expire, otherwise those whose aggregator snapshot is
 * missing or older than the TTL policy allows it to be served. Empty when everything is fresh.
 */
export function staleWindows(
  status: FreshnessStatus,
  limits: FreshnessLimits = DEFAULT_LIMITS,
): TrendingWindow[] {
  if (status.lastRunAgeS === null || status.lastRunAgeS * 1000 > limits.maxLastRunAgeMs) return [...WINDOWS];
  return WINDOWS.filter((window) => {
    const age = status.windows[window]?.snapshotAgeMs ?? null;
    return age === null || age > limits.maxSnapshotAgeMs;
  });
}

export interface FreshnessReport {
  stale: TrendingWindow[];
  /** The precompute run this check asked for; null when everything was fresh. */
  run: Pick<PrecomputeReport, 'startedAt' | 'durationMs' | 'skipped'> | null;
}

/**
 * Reads precompute's status over the service binding and precomputes the stale windows, if any.
 * `target.aggregator` points both calls at another aggregator object: tests pass their own;
 * the cron never does, so production always checks the production object.
 */
export async function refreshStaleWindows(
  precompute: OpsExampleEnv['PRECOMPUTE'],
  limits: FreshnessLimits = DEFAULT_LIMITS,
  target: { aggregator?: string } = {},
): Promise<FreshnessReport> {
  const stale = staleWindows(await precompute.status(target), limits);
  if (stale.length === 0) return { stale, run: null };
  const { startedAt, durationMs, skipped } = await precompute.precompute({ ...target, windows: stale });
  return { stale, run: { startedAt, durationMs, skipped } };
}

import type { TrendingAggregator } from '@openvine/aggregator';
import {
  AGGREGATOR_OBJECT_NAME,
  keyScope,
  type TrendingWindow,
  WINDOWS,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';

export interface WindowReport {
  window: TrendingWindow;
  generation: number;
  videos: number;
  computeMs: number;
  kvKeys: string[];
}

export interface PrecomputeReport {
  startedAt: number;
  durationMs: number;
  windows: WindowReport[];
}

export interface PrecomputeOptions {
  windows?: TrendingWindow[];
  /** The aggregator object to read; the production one unless a test passes its own. */
  aggregator?: string;
}

export function aggregatorFor(
  env: PrecomputeEnv,
  name = AGGREGATOR_OBJECT_NAME,
): DurableObjectStub<TrendingAggregator> {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/**
 * Computes each window once (top 100) in the aggregator and writes the per-window top-100 and
 * the `pre:{window}:{limit}` slices to KV. One KV write per key per run: well under KV's one
 * write per second per key with a one-minute cron.
 */
export async function runPrecompute(
  env: PrecomputeEnv,
  options: PrecomputeOptions = {},
): Promise<PrecomputeReport> {
  const startedAt = Date.now();
  const started = performance.now();
  const name = options.aggregator ?? AGGREGATOR_OBJECT_NAME;
  const aggregator = aggregatorFor(env, name);
  const reports: WindowReport[] = [];
  for (const window of options.windows ?? WINDOWS) {
    const snapshot = await aggregator.refresh(window);
    const kvKeys = await writeSnapshotToKv(env.TRENDING_KV, snapshot, keyScope(name));
    reports.push({
      window,
      generation: snapshot.generation,
      videos: snapshot.videos.length,
      computeMs: snapshot.computeMs,
      kvKeys,
    });
  }
  return { startedAt, durationMs: performance.now() - started, windows: reports };
}

import {
  AGGREGATOR_OBJECT_NAME,
  kvPrecomputedKey,
  kvTopKey,
  PRECOMPUTED_LIMITS,
  type TrendingSnapshot,
  type TrendingWindow,
  TTL_POLICY,
  WINDOWS,
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

/**
 * Computes each window once (top 100) in the aggregator and writes the per-window top-100 and
 * the `pre:{window}:{limit}` slices to KV. One KV write per key per run: well under KV's one
 * write per second per key with a one-minute cron.
 */
export async function runPrecompute(
  env: PrecomputeEnv,
  windows: readonly TrendingWindow[] = WINDOWS,
): Promise<PrecomputeReport> {
  const startedAt = Date.now();
  const started = performance.now();
  const aggregator = env.AGGREGATOR.get(env.AGGREGATOR.idFromName(AGGREGATOR_OBJECT_NAME));
  const reports: WindowReport[] = [];
  for (const window of windows) {
    const snapshot = await aggregator.refresh(window);
    const kvKeys = await writeKv(env, snapshot);
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

async function writeKv(env: PrecomputeEnv, snapshot: TrendingSnapshot): Promise<string[]> {
  const options = { expirationTtl: TTL_POLICY.kv.expirationTtlS };
  const entries: [string, TrendingSnapshot][] = [
    [kvTopKey(snapshot.window), snapshot],
    ...PRECOMPUTED_LIMITS.map((limit): [string, TrendingSnapshot] => [
      kvPrecomputedKey(snapshot.window, limit),
      { ...snapshot, videos: snapshot.videos.slice(0, limit) },
    ]),
  ];
  await Promise.all(entries.map(([key, value]) => env.TRENDING_KV.put(key, JSON.stringify(value), options)));
  return entries.map(([key]) => key);
}

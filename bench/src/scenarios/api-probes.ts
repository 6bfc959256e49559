// Reads of the api that scenarios use to check what they did: computations per window, a freshly
// computed ranking of a bench aggregator, and an aggregator's row counts.
import type { TrendingWindow } from '../../../packages/trending-core/src/windows.ts';
import type { Target } from '../stack.ts';
import type { Run } from './context.ts';

export interface WindowStatus {
  generation: number;
  snapshotAgeMs: number | null;
  computations: number;
}

/** GET /v1/admin/status (per-window computations), of the main aggregator or a bench one. */
export async function status(run: Run, aggregator?: string): Promise<Record<TrendingWindow, WindowStatus>> {
  const target: Target = aggregator ? 'trending-api-seams' : 'trending-api';
  const headers: Record<string, string> = { authorization: `Bearer ${run.stack.adminToken}` };
  if (aggregator) headers['x-test-aggregator'] = aggregator;
  const res = await fetch(`${run.stack.url[target]}/v1/admin/status`, { headers });
  if (res.status !== 200) throw new Error(`GET /v1/admin/status answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { windows: Record<TrendingWindow, WindowStatus> }).windows;
}

export interface TrendingBody {
  videos: { videoId: string; views: number; uniqueViewers: number }[];
}

/** A freshly computed ranking of a bench aggregator (all layers off, its snapshot dropped first). */
export async function computedRanking(
  run: Run,
  aggregator: string,
  window: TrendingWindow,
): Promise<TrendingBody> {
  const res = await fetch(
    `${run.stack.url['trending-api-cold']}/v1/trending/videos?window=${window}&limit=100`,
    {
      headers: { 'x-test-aggregator': aggregator, 'x-test-drop': 'do' },
    },
  );
  if (res.status !== 200) throw new Error(`trending read answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as TrendingBody;
}

export async function rows(run: Run, aggregator: string): Promise<Record<string, number>> {
  const res = await fetch(`${run.stack.url['trending-api-seams']}/v1/health`, {
    headers: { 'x-test-aggregator': aggregator },
  });
  return ((await res.json()) as { aggregator: { rows: Record<string, number> } }).aggregator.rows;
}

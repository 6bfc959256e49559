import {
  type CacheLayer,
  ifNoneMatchHits,
  type ResponseFormat,
  type ServerTimingEntry,
  snapshotETag,
  type TrendingSnapshot,
  type TrendingWindow,
  toClientVinesResponse,
  toTrendingVideosResponse,
  trendingHeaders,
} from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import { aggregatorName } from '../test-seams.ts';
import { readDoSnapshot } from './do-snapshot.ts';

export interface TrendingRequest {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
}

interface LayerRead {
  snapshot: TrendingSnapshot;
  layer: CacheLayer;
  stale: boolean;
  timings: ServerTimingEntry[];
}

/**
 * The single read path every trending route goes through. Today: the aggregator (its memory
 * snapshot, or a computation). The cache cascade (isolate memory, edge, KV) slots in here.
 */
async function readLayers(env: ApiEnv, aggregator: string, window: TrendingWindow): Promise<LayerRead> {
  const started = performance.now();
  const { snapshot, computed } = await readDoSnapshot(env, aggregator, window);
  const elapsed = performance.now() - started;
  return computed
    ? {
        snapshot,
        layer: 'MISS',
        stale: false,
        timings: [{ name: 'compute', durMs: elapsed, desc: 'aggregator' }],
      }
    : { snapshot, layer: 'HIT-DO', stale: false, timings: [{ name: 'do', durMs: elapsed }] };
}

export async function serveTrending(request: Request, env: ApiEnv, read: TrendingRequest): Promise<Response> {
  const started = performance.now();
  const { snapshot, layer, stale, timings } = await readLayers(
    env,
    aggregatorName(request, env),
    read.window,
  );
  const etag = snapshotETag(snapshot, read.limit, read.format);
  const headers = trendingHeaders({
    etag,
    layer,
    stale,
    ageS: (Date.now() - snapshot.computedAt) / 1000,
    timings: [...timings, { name: 'total', durMs: performance.now() - started }],
  });
  if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  const body =
    read.format === 'v1'
      ? toTrendingVideosResponse(snapshot, read.limit)
      : toClientVinesResponse(snapshot, read.limit);
  return new Response(JSON.stringify(body), { status: 200, headers });
}

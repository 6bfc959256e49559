import {
  type CacheLayer,
  ifNoneMatchHits,
  limitBucket,
  metricsObjectFor,
  type ResponseSample,
  type ServedBy,
  type ServerTimingEntry,
  trendingCacheTagValue,
  trendingContentHeaders,
  trendingRequestHeaders,
} from '@openvine/trending-core';
import { recordResponse } from '../metrics/recorder.ts';
import type { CachedBody } from './cached-body.ts';
import { edgeCache } from './edge-cache.ts';
import { markServed } from './generations.ts';
import type { LayerRequest } from './layer.ts';

/** Per-request timing of each layer tried, for Server-Timing and metrics. */
export class Timings {
  readonly entries: ServerTimingEntry[] = [];
  async measure<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.entries.push({ name, durMs: performance.now() - started });
    }
  }
}

/** Everything one request's answer is built and measured from. */
export interface Reply {
  request: Request;
  read: LayerRequest;
  timings: Timings;
  started: number;
}

const SERVED_BY: Record<CacheLayer, ServedBy> = {
  'HIT-MEMORY': 'memory',
  'HIT-EDGE': 'edge',
  'HIT-DO': 'do',
  'HIT-KV': 'kv',
  MISS: 'compute',
};

function coloOf(request: Request): string {
  const cf = (request as Request & { cf?: { colo?: unknown } }).cf;
  return typeof cf?.colo === 'string' ? cf.colo : 'local';
}

/** Records the response's metrics sample (off the response path; see metrics/recorder.ts). */
export function measure(
  reply: Reply,
  servedBy: ServedBy,
  status: number,
  stale: boolean,
  totalMs: number,
  computeMs?: number,
): void {
  const tried = new Set(reply.timings.entries.map((e) => e.name));
  const missed: ('edge' | 'kv')[] = [];
  if (tried.has('edge') && servedBy !== 'memory' && servedBy !== 'edge') missed.push('edge');
  if (tried.has('kv') && (servedBy === 'compute' || servedBy === 'error')) missed.push('kv');
  const { env, ctx, scope, window, limit } = reply.read;
  const sample: ResponseSample = {
    servedBy,
    stale,
    status,
    totalMs,
    layerMs: reply.timings.entries.find((e) => e.name === servedBy)?.durMs ?? 0,
    missed,
    window,
    limitBucket: limitBucket(limit),
    colo: coloOf(reply.request),
  };
  if (computeMs !== undefined) sample.computeMs = computeMs;
  recordResponse(env, ctx, metricsObjectFor(scope.aggregator), sample);
}

/** The answer: headers from what it was built from, 304 on a matching If-None-Match. */
export function respond(
  reply: Reply,
  cached: Pick<CachedBody, 'etag' | 'computedAt' | 'generation'> & {
    body: string | ReadableStream | null;
    headers?: Headers;
  },
  layer: CacheLayer,
  stale: boolean,
  computeMs?: number,
): Response {
  markServed(reply.read.scope.keys, reply.read.window, cached);
  const totalMs = performance.now() - reply.started;
  const perRequest = trendingRequestHeaders({
    layer,
    stale,
    ageS: (Date.now() - cached.computedAt) / 1000,
    timings: [...reply.timings.entries, { name: 'total', durMs: totalMs }],
  });
  const headers = cached.headers
    ? edgeCache.answerHeaders(cached.headers, perRequest)
    : {
        ...trendingContentHeaders(
          cached.etag,
          trendingCacheTagValue(reply.read.scope.keys, reply.read.window, cached.generation),
        ),
        ...perRequest,
      };
  const notModified = ifNoneMatchHits(reply.request.headers.get('if-none-match'), cached.etag);
  measure(reply, SERVED_BY[layer], notModified ? 304 : 200, stale, totalMs, computeMs);
  if (!notModified) return new Response(cached.body, { status: 200, headers });
  if (cached.body instanceof ReadableStream) cached.body.cancel().catch(() => {});
  return new Response(null, { status: 304, headers });
}

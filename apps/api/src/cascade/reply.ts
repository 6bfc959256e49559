import {
  type CacheLayer,
  ifNoneMatchHits,
  limitBucket,
  type ResponseSample,
  type ServedBy,
  type ServerTimingEntry,
  trendingCacheTagValue,
  trendingHeaders,
  trendingRequestHeaders,
} from '@openvine/trending-core';
import { recordResponse } from '../metrics/recorder.ts';
import type { CachedBody } from './cached-body.ts';
import { edgeCache } from './edge-cache.ts';
import { markServed } from './generations.ts';
import type { LayerName, LayerRequest } from './layer.ts';

/** Per-request timing of each layer tried, for Server-Timing and metrics. */
export class Timings {
  readonly entries: ServerTimingEntry[] = [];
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

/**
 * The data center, for the metrics: the same for every request an isolate serves (an isolate
 * never moves), so it is read from the first request's `cf` once, not parsed from every one.
 */
let isolateColo: string | undefined;
function coloOf(request: Request): string {
  if (isolateColo === undefined) {
    const cf = (request as Request & { cf?: { colo?: unknown } }).cf;
    isolateColo = typeof cf?.colo === 'string' ? cf.colo : 'local';
  }
  return isolateColo;
}

/** Who answered: its `X-Cache`, and the layer whose Server-Timing entry times the answer. */
export interface Served {
  label: CacheLayer;
  timedAs: LayerName;
}

/**
 * Records the response's metrics sample (off the response path; see metrics/recorder.ts);
 * `served` undefined: no layer answered (a 503).
 */
export function measure(
  reply: Reply,
  served: Served | undefined,
  status: number,
  stale: boolean,
  totalMs: number,
  computeMs?: number,
): void {
  const servedBy: ServedBy = served ? SERVED_BY[served.label] : 'error';
  const timedAs = served?.timedAs;
  // One pass over the layers tried: which missed, and how long the one that answered took.
  let triedEdge = false;
  let triedKv = false;
  let layerMs = 0;
  for (const entry of reply.timings.entries) {
    if (entry.name === 'edge') triedEdge = true;
    else if (entry.name === 'kv') triedKv = true;
    if (entry.name === timedAs) layerMs = entry.durMs;
  }
  const missed: ('edge' | 'kv')[] = [];
  if (triedEdge && servedBy !== 'memory' && servedBy !== 'edge') missed.push('edge');
  if (triedKv && (servedBy === 'compute' || servedBy === 'error')) missed.push('kv');
  const { env, ctx, scope, window, limit } = reply.read;
  const sample: ResponseSample = {
    servedBy,
    stale,
    status,
    totalMs,
    layerMs,
    missed,
    window,
    limitBucket: limitBucket(limit),
    colo: coloOf(reply.request),
  };
  if (computeMs !== undefined) sample.computeMs = computeMs;
  recordResponse(env, ctx, scope.metricsObject, sample);
}

/** The answer: headers from what it was built from, 304 on a matching If-None-Match. */
export function respond(
  reply: Reply,
  cached: Pick<CachedBody, 'etag' | 'computedAt' | 'generation'> & {
    body: string | ReadableStream | null;
    headers?: Headers;
  },
  served: Served,
  stale: boolean,
  computeMs?: number,
): Response {
  markServed(reply.read.scope.keys, reply.read.window, cached);
  const totalMs = performance.now() - reply.started;
  const headerInput = {
    layer: served.label,
    stale,
    ageS: (Date.now() - cached.computedAt) / 1000,
    timings: [...reply.timings.entries, { name: 'total', durMs: totalMs }],
  };
  const notModified = ifNoneMatchHits(reply.request.headers.get('if-none-match'), cached.etag);
  const status = notModified ? 304 : 200;
  measure(reply, served, status, stale, totalMs, computeMs);
  if (notModified && cached.body instanceof ReadableStream) cached.body.cancel().catch(() => {});
  const body = notModified ? null : cached.body;
  // An edge entry's body streams through with a copy of the headers stored beside it.
  if (cached.headers && typeof body !== 'string')
    return edgeCache.answer(cached.headers, body, status, trendingRequestHeaders(headerInput));
  const cacheTag = trendingCacheTagValue(reply.read.scope.keys, reply.read.window, cached.generation);
  return new Response(body, {
    status,
    headers: trendingHeaders({ ...headerInput, etag: cached.etag, cacheTag }),
  });
}

import {
  type CacheLayer,
  canonicalKey,
  edgeCacheUrl,
  freshness,
  ifNoneMatchHits,
  limitBucket,
  metricsObjectFor,
  RETRY_AFTER_S,
  type ResponseFormat,
  type ResponseSample,
  type ServedBy,
  type ServerTimingEntry,
  serverTimingValue,
  type TrendingSnapshot,
  type TrendingWindow,
  TTL_POLICY,
  trendingHeaders,
} from '@openvine/trending-core';
import { recordRead } from '../access-log.ts';
import type { ApiEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { recordResponse } from '../metrics/recorder.ts';
import { testDrops } from '../test-seams.ts';
import { type CachedBody, toCachedBody } from './cached-body.ts';
import { computeFromSource, doSnapshot } from './do-snapshot.ts';
import { edgeCache } from './edge-cache.ts';
import { edgeRefreshLock } from './edge-refresh-lock.ts';
import { isOlder, markServed, newestServed } from './generations.ts';
import { isolateMemory } from './isolate-memory.ts';
import { kvSnapshot } from './kv-snapshot.ts';
import { withBudget } from './layer-budget.ts';
import { type ReadScope, readScope } from './read-scope.ts';
import { servedSnapshots } from './served-snapshots.ts';

export interface TrendingRequest {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
}

/** Per-request timing of each layer tried, for Server-Timing. */
class Timings {
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

/** Runs a layer within its budget; a failure or timeout is logged and skipped, never fatal. */
async function tryLayer<T>(timings: Timings, name: string, budgetMs: number, work: () => Promise<T>) {
  try {
    return await timings.measure(name, () => withBudget(work(), budgetMs, name));
  } catch (err) {
    console.warn(`layer ${name} skipped: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

interface WindowRead {
  snapshot: TrendingSnapshot;
  /** True when it is the window's whole top 100 (not a precomputed slice of it). */
  complete: boolean;
  layer: CacheLayer;
  /** Set when this read triggered the computation (not when it waited on another's). */
  computeMs?: number;
}

/**
 * Layers 2 to 4 for a window: aggregator memory, KV, compute. Each answer fills the layers
 * above it that live below the edge (off the response path); the caller fills memory and edge.
 * Concurrent misses are not coalesced here: a promise holding one request's I/O cannot be
 * awaited by another request in workerd ("Cannot perform I/O on behalf of a different
 * request"); the aggregator's single flight makes them one computation instead.
 */
async function readBelowEdge(
  env: ApiEnv,
  ctx: ExecutionContext,
  scope: ReadScope,
  read: TrendingRequest,
  timings: Timings,
): Promise<WindowRead | undefined> {
  // Nothing older than what this isolate already served for the window (generations.ts).
  const servable = (snapshot: TrendingSnapshot) => !isOlder(snapshot, newestServed(scope.keys, read.window));

  const held = scope.off.has('do')
    ? undefined
    : await tryLayer(timings, 'do', scope.budgets.doSnapshot, () => doSnapshot.peek(env, scope, read.window));
  if (held && servable(held)) return { snapshot: held, complete: true, layer: 'HIT-DO' };

  const stored = scope.off.has('kv')
    ? undefined
    : await tryLayer(timings, 'kv', scope.budgets.kv, () =>
        kvSnapshot.get(env, scope, read.window, read.limit),
      );
  if (stored && servable(stored.snapshot)) {
    if (stored.complete && !scope.off.has('do')) {
      ctx.waitUntil(doSnapshot.adopt(env, scope, stored.snapshot).catch(logFill('do')));
    }
    return { snapshot: stored.snapshot, complete: stored.complete, layer: 'HIT-KV' };
  }

  const computed = await tryLayer(timings, 'compute', scope.budgets.compute, () =>
    computeFromSource(env, scope, read.window),
  );
  if (computed && servable(computed.snapshot)) {
    const answer = { snapshot: computed.snapshot, complete: true, layer: 'MISS' as const };
    if (!computed.computed) return answer;
    if (!scope.off.has('kv'))
      ctx.waitUntil(kvSnapshot.fill(env, scope, computed.snapshot).catch(logFill('kv')));
    return { ...answer, computeMs: computed.snapshot.computeMs };
  }
  return undefined;
}

const logFill = (layer: string) => (err: unknown) =>
  console.warn(`filling ${layer} failed: ${err instanceof Error ? err.message : String(err)}`);

/** Edge refreshes running in this isolate: one per key at a time. */
const refreshing = new Set<string>();

/**
 * Refreshes a stale edge entry off the response path: once per key in this isolate (the set
 * above) and once per data center (the lock entry beside it in the edge cache), not once per
 * isolate, so that a hot key costs the layers below one read per data center per 30 s.
 */
function refreshInBackground(
  env: ApiEnv,
  ctx: ExecutionContext,
  scope: ReadScope,
  read: TrendingRequest,
  key: string,
  edgeUrl: string,
): void {
  if (refreshing.has(key)) return;
  refreshing.add(key);
  const refresh = async () => {
    if (!(await edgeRefreshLock.claim(edgeUrl))) return;
    try {
      const found = await readBelowEdge(env, ctx, scope, read, new Timings());
      if (!found) return;
      servedSnapshots.offer(scope.keys, found.snapshot, found.complete);
      const cached = toCachedBody(found.snapshot, read.format, read.limit);
      if (!scope.off.has('memory')) isolateMemory.set(key, cached);
      await edgeCache.put(edgeUrl, cached);
    } finally {
      await edgeRefreshLock.release(edgeUrl);
    }
  };
  ctx.waitUntil(
    refresh()
      .catch(logFill('edge'))
      .finally(() => refreshing.delete(key)),
  );
}

const SERVED_BY: Record<CacheLayer, ServedBy> = {
  'HIT-MEMORY': 'memory',
  'HIT-EDGE': 'edge',
  'HIT-DO': 'do',
  'HIT-KV': 'kv',
  MISS: 'compute',
};

/** Everything one request's answer is built and measured from. */
interface Reply {
  request: Request;
  env: ApiEnv;
  ctx: ExecutionContext;
  read: TrendingRequest;
  scope: ReadScope;
  timings: Timings;
  started: number;
}

/** Records the response's metrics sample (off the response path; see metrics/recorder.ts). */
function measure(
  reply: Reply,
  servedBy: ServedBy,
  status: number,
  stale: boolean,
  totalMs: number,
  computeMs?: number,
) {
  const tried = new Set(reply.timings.entries.map((e) => e.name));
  const layerName = servedBy === 'error' ? undefined : servedBy;
  const missed: ('edge' | 'kv')[] = [];
  if (tried.has('edge') && servedBy !== 'memory' && servedBy !== 'edge') missed.push('edge');
  if (tried.has('kv') && (servedBy === 'compute' || servedBy === 'error')) missed.push('kv');
  const sample: ResponseSample = {
    servedBy,
    stale,
    status,
    totalMs,
    layerMs: reply.timings.entries.find((e) => e.name === layerName)?.durMs ?? 0,
    missed,
    window: reply.read.window,
    limitBucket: limitBucket(reply.read.limit),
    colo: coloOf(reply.request),
  };
  if (computeMs !== undefined) sample.computeMs = computeMs;
  recordResponse(reply.env, reply.ctx, metricsObjectFor(reply.scope.aggregator), sample);
}

function coloOf(request: Request): string {
  const cf = (request as Request & { cf?: { colo?: unknown } }).cf;
  return typeof cf?.colo === 'string' ? cf.colo : 'local';
}

function respond(
  reply: Reply,
  cached: Pick<CachedBody, 'etag' | 'computedAt' | 'generation'> & { body: string | ReadableStream | null },
  layer: CacheLayer,
  stale: boolean,
  computeMs?: number,
): Response {
  markServed(reply.scope.keys, reply.read.window, cached);
  const totalMs = performance.now() - reply.started;
  const headers = trendingHeaders({
    etag: cached.etag,
    layer,
    stale,
    ageS: (Date.now() - cached.computedAt) / 1000,
    timings: [...reply.timings.entries, { name: 'total', durMs: totalMs }],
  });
  const notModified = ifNoneMatchHits(reply.request.headers.get('if-none-match'), cached.etag);
  measure(reply, SERVED_BY[layer], notModified ? 304 : 200, stale, totalMs, computeMs);
  if (!notModified) return new Response(cached.body, { status: 200, headers });
  if (cached.body instanceof ReadableStream) cached.body.cancel().catch(() => {});
  return new Response(null, { status: 304, headers });
}

/** Test seam: remove this request's entry from the named layers before reading. */
async function applyTestDrops(
  request: Request,
  env: ApiEnv,
  scope: ReadScope,
  key: string,
  edgeUrl: string,
  window: TrendingWindow,
) {
  for (const layer of testDrops(request, env)) {
    if (layer === 'memory') {
      isolateMemory.delete(key);
      servedSnapshots.drop(scope.keys, window);
    }
    if (layer === 'edge') await edgeCache.delete(edgeUrl);
    if (layer === 'do') await doSnapshot.drop(env, scope, window);
  }
}

/**
 * The single read path of every trending route: isolate memory, edge cache, aggregator memory,
 * KV, compute. A miss fills the layers above it without delaying the response; a failing or
 * slow layer is skipped; a stale copy answers when nothing fresh can; 503 only when nothing can.
 */
export async function serveTrending(
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
  read: TrendingRequest,
): Promise<Response> {
  const started = performance.now();
  const timings = new Timings();
  const scope = readScope(request, env);
  const reply: Reply = { request, env, ctx, read, scope, timings, started };
  const key = canonicalKey(read.format, read.window, read.limit, scope.keys);
  const edgeUrl = edgeCacheUrl(read.format, read.window, read.limit, scope.keys);
  await applyTestDrops(request, env, scope, key, edgeUrl, read.window);
  recordRead(env, ctx, scope.aggregator, read);

  const newest = () => newestServed(scope.keys, read.window);

  // 0: isolate memory: this key's serialized answer, else a slice of the window's newest
  // snapshot held here when this key's answer is older than one already served.
  const memory = scope.off.has('memory') ? undefined : isolateMemory.get(key, newest());
  if (memory?.fresh) {
    timings.entries.push({ name: 'memory', durMs: performance.now() - started });
    return respond(reply, memory.entry, 'HIT-MEMORY', false);
  }
  const held = scope.off.has('memory') ? undefined : servedSnapshots.get(scope.keys, read.window);
  const heldState = held && freshness(held.heldAt, held.snapshot.computedAt, TTL_POLICY.memory.freshMs);
  if (held && heldState === 'fresh' && !isOlder(held.snapshot, newest())) {
    const cached = toCachedBody(held.snapshot, read.format, read.limit);
    isolateMemory.set(key, cached);
    timings.entries.push({ name: 'memory', durMs: performance.now() - started });
    return respond(reply, cached, 'HIT-MEMORY', false);
  }

  // 1: edge cache, fresh for 30 s from when it was stored, then served stale (one refresh per
  // data center in flight) until its snapshot is 300 s old.
  const edge = scope.off.has('edge')
    ? undefined
    : await tryLayer(timings, 'edge', scope.budgets.edge, () => edgeCache.get(edgeUrl));
  const edgeState = edge && freshness(edge.storedAt, edge.computedAt, TTL_POLICY.edge.freshMs);
  if (edge && edgeState !== undefined && edgeState !== 'expired' && !isOlder(edge, newest())) {
    const stale = edgeState === 'stale';
    if (stale) refreshInBackground(env, ctx, scope, read, key, edgeUrl);
    // With isolate memory off, the cached body streams through untouched, as from caches.default.
    if (scope.off.has('memory')) return respond(reply, edge, 'HIT-EDGE', stale);
    const cached = await edge.read();
    if (!stale) isolateMemory.set(key, cached);
    return respond(reply, cached, 'HIT-EDGE', stale);
  }
  edge?.drop();

  // 2-4: aggregator memory, KV, compute.
  const found = await readBelowEdge(env, ctx, scope, read, timings);
  if (found) {
    servedSnapshots.offer(scope.keys, found.snapshot, found.complete);
    const cached = toCachedBody(found.snapshot, read.format, read.limit);
    if (!scope.off.has('memory')) isolateMemory.set(key, cached);
    if (!scope.off.has('edge')) ctx.waitUntil(edgeCache.put(edgeUrl, cached).catch(logFill('edge')));
    return respond(reply, cached, found.layer, false, found.computeMs);
  }

  // Nothing fresh anywhere and nothing older than what was served: a stale copy, else 503.
  if (memory) return respond(reply, memory.entry, 'HIT-MEMORY', true);
  if (held && heldState !== 'expired' && !isOlder(held.snapshot, newest())) {
    return respond(reply, toCachedBody(held.snapshot, read.format, read.limit), 'HIT-MEMORY', true);
  }
  const totalMs = performance.now() - started;
  measure(reply, 'error', 503, false, totalMs);
  throw new ApiError(503, 'unavailable', 'Trending data is temporarily unavailable, retry shortly', {
    // Which layers were tried and how long each took, as on every answer: for triage.
    headers: {
      'Retry-After': String(RETRY_AFTER_S.unavailable),
      'Server-Timing': serverTimingValue([...timings.entries, { name: 'total', durMs: totalMs }]),
    },
  });
}

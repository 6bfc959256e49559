import {
  canonicalKey,
  edgeCacheUrl,
  INTERVALS,
  isOlder,
  RETRY_AFTER_S,
  type ResponseFormat,
  serverTimingValue,
  type TrendingWindow,
} from '@openvine/trending-core';
import { recordRead } from '../access-log.ts';
import type { ApiEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { markServed, newestServed } from './generations.ts';
import { type Answer, answerOf, type Layer, type LayerHit, type LayerRequest, logFill } from './layer.ts';
import { tryLayer, withBudget } from './layer-budget.ts';
import { readScope } from './read-scope.ts';
import { measure, type Reply, respond, Timings } from './reply.ts';

export interface TrendingRequest {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
}

interface Found {
  hit: LayerHit;
  /** Index of the layer that found it, in the read's layer order. */
  at: number;
}

/**
 * The first usable hit from layer `from` down. Nothing older than the newest computation this
 * isolate served for the window is usable (generations.ts: the generation floor and one snapshot
 * per window). A fresh hit answers; a stale one answers at once where its layer says so (the
 * edge, refreshed in the background), else it is kept as the last resort while the layers below
 * are tried.
 */
async function firstUsable(reply: Reply, from: number, timings: Timings): Promise<Found | undefined> {
  const { layers } = reply.read.scope;
  let lastResort: Found | undefined;
  for (let at = from; at < layers.length; at++) {
    const layer = layers[at] as Layer;
    const onLate = layer.authoritative
      ? (late: Promise<LayerHit | undefined>) => refillWhenLate(reply, at, late)
      : undefined;
    const hit = await tryLayer(layer, reply, timings, onLate);
    if (!hit) continue;
    if (isOlder(hit.computation, newestServed(reply.read.scope.keys, reply.read.window))) {
      if (hit.body && 'drop' in hit.body) hit.body.drop();
      continue;
    }
    if (hit.fresh || layer.stale === 'answer-and-refresh') return { hit, at };
    lastResort ??= { hit, at };
  }
  return lastResort;
}

/** Fills every layer above the one that found `hit` (none of them delays the response). */
async function fillAbove(request: LayerRequest, found: Found, until = found.at) {
  const answer = await answerOf(found.hit, request);
  const from = request.scope.layers[found.at] as Layer;
  const above = request.scope.layers.slice(0, until);
  if (!found.hit.complete && from.whole)
    request.ctx.waitUntil(fillFromWhole(request, answer, from, above).catch(logFill(from.name)));
  else for (const layer of above) layer.fill(request, answer, from.name);
  return answer;
}

/**
 * A slice of the window answered (KV's `pre:{window}:{limit}`): the layers above are filled from
 * the window's whole top 100 in the same layer when it is not older, else from the slice, so that
 * what only a whole one fills (the edge's window snapshot, the aggregator's memory, memory's served
 * snapshot) holds the computation the read served. Without it, a data center whose aggregator is
 * beyond its budget (most, for a far one, where KV answers the edge's misses) never stored the
 * window's snapshot: each limit was refreshed on its own, and other isolates' reads saw nothing
 * newer beside their own entries (edge-window-watch.ts) until those turned stale.
 */
async function fillFromWhole(request: LayerRequest, slice: Answer, from: Layer, above: Layer[]) {
  const whole = await from.whole?.(request).catch((err: unknown) => logFill(from.name)(err));
  const usable = whole?.complete && !isOlder(whole.computation, slice.computation);
  const answer = usable ? await answerOf(whole, request) : slice;
  // While it was read, this isolate may have served a newer computation (another read's, or the
  // aggregator's late answer): nothing older than that is stored from here.
  if (isOlder(answer.computation, newestServed(request.scope.keys, request.window))) return;
  for (const layer of above) layer.fill(request, answer, from.name);
}

/**
 * The aggregator's answer to a read that went on without it (over its layer's budget): when it is
 * newer than anything this isolate served for the window (an invalidation the layers below have
 * not seen yet: KV's read cache can hold the previous generation for 30-60 s), this isolate's
 * floor rises to it and the layers above are refilled with it, over what the read answered.
 * The common late answer, the same computation, changes nothing. Waited for at most
 * `lateAnswerWaitMs`, off the response path.
 */
function refillWhenLate(reply: Reply, at: number, late: Promise<LayerHit | undefined>): void {
  const request = reply.read;
  const { keys } = request.scope;
  const refill = async () => {
    const hit = await withBudget(late, INTERVALS.lateAnswerWaitMs, 'late answer');
    if (!hit?.fresh || !isOlder(newestServed(keys, request.window), hit.computation)) return;
    markServed(keys, request.window, hit.computation);
    await fillAbove(request, { hit, at });
  };
  // A late answer that fails or never comes leaves things as the read left them.
  request.ctx.waitUntil(refill().catch(() => undefined));
}

/** Refreshes running in this isolate: one per layer and key at a time. */
const refreshing = new Set<string>();

/**
 * Refreshes a stale entry of layer `at` from the layers below it, off the response path: once
 * per key in this isolate (the set above) and, through the layer's own lock, once per data
 * center, so that a hot key costs the layers below one read per data center per freshness period.
 */
function refreshInBackground(reply: Reply, at: number): void {
  const request = reply.read;
  const layer = request.scope.layers[at] as Layer;
  const id = `${layer.name}:${request.key}`;
  if (refreshing.has(id)) return;
  refreshing.add(id);
  const refresh = async () => {
    if (layer.claimRefresh && !(await layer.claimRefresh(request))) return;
    try {
      const found = await firstUsable(reply, at + 1, new Timings());
      if (found?.hit.fresh) await fillAbove(request, found);
    } finally {
      await layer.releaseRefresh?.(request);
    }
  };
  request.ctx.waitUntil(
    refresh()
      .catch(logFill(layer.name))
      .finally(() => refreshing.delete(id)),
  );
}

function unavailable(reply: Reply): never {
  const totalMs = performance.now() - reply.started;
  measure(reply, undefined, 503, false, totalMs);
  throw new ApiError(503, 'unavailable', 'Trending data is temporarily unavailable, retry shortly', {
    // Which layers were tried and how long each took, as on every answer: for triage.
    headers: {
      'Retry-After': String(RETRY_AFTER_S.unavailable),
      'Server-Timing': serverTimingValue([...reply.timings.entries, { name: 'total', durMs: totalMs }]),
    },
  });
}

/** A read as every layer sees it: its env's scope, its key in memory and its edge URL. */
export function layerRequestFor(env: ApiEnv, ctx: ExecutionContext, read: TrendingRequest): LayerRequest {
  const scope = readScope(env);
  return {
    env,
    ctx,
    scope,
    ...read,
    key: canonicalKey(read.format, read.window, read.limit, scope.keys),
    edgeUrl: edgeCacheUrl(read.format, read.window, read.limit, scope.keys),
  };
}

/**
 * The single read path of every trending route: the layers of the read's scope in turn
 * (layer-order.ts: isolate memory, edge cache, aggregator memory, KV, compute). A hit fills the
 * layers above it without delaying the response; a failing or slow layer is skipped; a stale copy
 * answers when nothing fresh can; 503 only when nothing can.
 */
export async function serveTrending(
  request: Request,
  env: ApiEnv,
  ctx: ExecutionContext,
  read: TrendingRequest,
): Promise<Response> {
  const started = performance.now();
  const layerRequest = layerRequestFor(env, ctx, read);
  const { scope } = layerRequest;
  const reply: Reply = { request, read: layerRequest, timings: new Timings(), started };
  recordRead(env, ctx, scope.aggregator, read);

  const found = await firstUsable(reply, 0, reply.timings);
  if (!found) return unavailable(reply);
  const layer = scope.layers[found.at] as Layer;
  const stale = !found.hit.fresh;
  if (stale && layer.stale === 'answer-and-refresh') refreshInBackground(reply, found.at);
  // With nothing above to fill (isolate memory off), the edge's body streams through untouched.
  const unread = found.hit.body && 'read' in found.hit.body ? found.hit.body : undefined;
  const served = { label: found.hit.label ?? layer.label, timedAs: layer.name };
  if (found.at === 0 && unread) return respond(reply, unread, served, stale);
  const answer = await fillAbove(layerRequest, found);
  return respond(reply, answer.body, served, stale, found.hit.computeMs);
}

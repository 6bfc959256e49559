import { edgeWindowUrl, freshness, isOlder, TTL_POLICY } from '@openvine/trending-core';
import { toCachedBody } from './cached-body.ts';
import { edgeCache } from './edge-cache.ts';
import { edgeRefreshLock } from './edge-refresh-lock.ts';
import { edgeWindowCache } from './edge-window-cache.ts';
import { edgeWindowWatch } from './edge-window-watch.ts';
import { newestServed } from './generations.ts';
import { type Layer, type LayerHit, type LayerRequest, logFill } from './layer.ts';

const FRESH_MS = TTL_POLICY.edge.freshMs;

/**
 * The window's snapshot of this data center (edge-window-cache.ts), sliced for the read, when it
 * is not older than what the isolate served: a fresh one also becomes the read's own entry, stored
 * as of the snapshot's own store so that it is never fresher than where it came from.
 */
async function fromWindowEntry(request: LayerRequest): Promise<LayerHit | undefined> {
  const { scope, window } = request;
  const entry = await edgeWindowCache.get(scope.keys, window);
  edgeWindowWatch.saw(scope.keys, window);
  if (!entry) return undefined;
  const { snapshot, storedAt } = entry;
  const state = freshness(storedAt, snapshot.computedAt, FRESH_MS);
  if (state === 'expired' || isOlder(snapshot, newestServed(scope.keys, window))) return undefined;
  const body = toCachedBody(snapshot, request.format, request.limit);
  // A stale snapshot answers this read only: memory keeps what is fresh (memory-layer.ts).
  if (state === 'stale') return { computation: snapshot, fresh: false, body };
  request.ctx.waitUntil(edgeCache.put(request.edgeUrl, body, scope.keys, storedAt).catch(logFill('edge')));
  return { computation: snapshot, fresh: true, body, snapshot, complete: true };
}

/**
 * Layer 1: this data center's `caches.default`. The read's own entry, fresh for 30 s from when it
 * was stored, answers as it is (the hot path: one cache read; about once a second the window's
 * snapshot is read behind it, edge-window-watch.ts). When it is missing, older than
 * what this isolate already served for the window, or stale, the window's snapshot stored beside
 * it answers if it is fresh, so that a data center whose entries of one window hold different
 * computations still answers from here. Else a stale copy answers at once (marked STALE) while
 * one isolate of the data center refreshes the window from the layers below (one lock per
 * window); expired with its snapshot's age budget (freshness.ts).
 */
export const edgeLayer: Layer = {
  name: 'edge',
  label: 'HIT-EDGE',
  budgetMs: (scope) => scope.budgets.edge,
  stale: 'answer-and-refresh',

  async read(request): Promise<LayerHit | undefined> {
    const entry = await edgeCache.get(request.edgeUrl);
    const state = entry && freshness(entry.storedAt, entry.computedAt, FRESH_MS);
    const usable =
      entry && state !== 'expired' && !isOlder(entry, newestServed(request.scope.keys, request.window));
    if (usable && state === 'fresh') {
      edgeWindowWatch.check(request);
      return { computation: entry, fresh: true, body: entry };
    }
    const fromWindow = await fromWindowEntry(request);
    if (fromWindow?.fresh || !usable) {
      entry?.drop();
      return fromWindow;
    }
    return { computation: entry, fresh: false, body: entry };
  },

  fill(request, answer) {
    const { ctx, scope } = request;
    ctx.waitUntil(edgeCache.put(request.edgeUrl, answer.body, scope.keys).catch(logFill('edge')));
    // Only a whole top 100 can answer the window's other reads.
    if (answer.complete && answer.snapshot && answer.fresh)
      ctx.waitUntil(edgeWindowCache.put(scope.keys, answer.snapshot).catch(logFill('edge')));
  },

  async drop(request) {
    await Promise.all([
      edgeCache.delete(request.edgeUrl),
      edgeWindowCache.delete(request.scope.keys, request.window),
    ]);
  },

  // One refresh per window and data center: it refills the window's snapshot, which then answers
  // the window's other stale entries without a refresh of their own.
  claimRefresh: (request) => edgeRefreshLock.claim(edgeWindowUrl(request.window, request.scope.keys)),
  releaseRefresh: (request) => edgeRefreshLock.release(edgeWindowUrl(request.window, request.scope.keys)),
};

import { freshness, TTL_POLICY } from '@openvine/trending-core';
import { edgeCache } from './edge-cache.ts';
import { edgeRefreshLock } from './edge-refresh-lock.ts';
import { type Layer, type LayerHit, logFill } from './layer.ts';

/**
 * Layer 1: this data center's `caches.default`. Fresh for 30 s from when it was stored; then
 * answered STALE at once while one isolate of the data center refreshes it from the layers
 * below; expired with its snapshot's age budget (freshness.ts).
 */
export const edgeLayer: Layer = {
  name: 'edge',
  label: 'HIT-EDGE',
  budgetMs: (scope) => scope.budgets.edge,
  stale: 'answer-and-refresh',

  async read(request): Promise<LayerHit | undefined> {
    const entry = await edgeCache.get(request.edgeUrl);
    if (!entry) return undefined;
    const state = freshness(entry.storedAt, entry.computedAt, TTL_POLICY.edge.freshMs);
    if (state === 'expired') {
      entry.drop();
      return undefined;
    }
    return { computation: entry, fresh: state === 'fresh', body: entry };
  },

  fill(request, answer) {
    request.ctx.waitUntil(
      edgeCache.put(request.edgeUrl, answer.body, request.scope.keys).catch(logFill('edge')),
    );
  },

  async drop(request) {
    await edgeCache.delete(request.edgeUrl);
  },

  claimRefresh: (request) => edgeRefreshLock.claim(request.edgeUrl),
  releaseRefresh: (request) => edgeRefreshLock.release(request.edgeUrl),
};

import { type KvRead, kvSnapshot } from './kv-snapshot.ts';
import { type Layer, type LayerHit, logFill } from './layer.ts';

function hitOf(stored: KvRead | undefined): LayerHit | undefined {
  if (!stored) return undefined;
  return { computation: stored.snapshot, fresh: true, snapshot: stored.snapshot, complete: stored.complete };
}

/**
 * Layer 3: Workers KV (kv-snapshot.ts): `pre:{window}:{limit}` for the precomputed limits, else
 * `top:{window}`, written by precompute and by the computations of the api's own misses. After a
 * `pre:` slice answers, `top:` is read behind it (`whole`) to fill the window-wide copies above.
 */
export const kvLayer: Layer = {
  name: 'kv',
  label: 'HIT-KV',
  budgetMs: (scope) => scope.budgets.kv,
  stale: 'last-resort',

  async read(request): Promise<LayerHit | undefined> {
    return hitOf(await kvSnapshot.get(request.env, request.scope, request.window, request.limit));
  },

  async whole(request): Promise<LayerHit | undefined> {
    return hitOf(await kvSnapshot.getWhole(request.env, request.scope, request.window));
  },

  fill(request, answer, from) {
    // Written from a computation this read ran; the aggregator's own snapshot is precompute's to publish.
    if (from !== 'compute' || answer.computeMs === undefined || !answer.snapshot) return;
    const fill = kvSnapshot.fill(request.env, request.scope, answer.snapshot);
    request.ctx.waitUntil(fill.then(() => undefined, logFill('kv')));
  },

  // KV entries are overwritten, never deleted, by the read path (invalidation rewrites them).
  drop() {},
};

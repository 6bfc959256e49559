import { aggregatorStub } from './aggregator-stub.ts';
import { type Layer, type LayerHit, logFill } from './layer.ts';

/**
 * Layer 2: the aggregator's memory snapshot of the window (refreshed by its 30 s alarm, served
 * up to 60 s): never a computation. Refilled from KV's complete top 100 after an eviction.
 */
export const doLayer: Layer = {
  name: 'do',
  label: 'HIT-DO',
  budgetMs: (scope) => scope.budgets.doSnapshot,
  stale: 'last-resort',
  authoritative: true,

  async read(request): Promise<LayerHit | undefined> {
    const snapshot = await aggregatorStub(request.env, request.scope.aggregator).peek(request.window);
    return snapshot ? { computation: snapshot, fresh: true, snapshot, complete: true } : undefined;
  },

  fill(request, answer, from) {
    // Only KV's whole top 100 can refill it; a computation already lives in the aggregator.
    if (from !== 'kv' || !answer.complete || !answer.snapshot) return;
    const adopt = aggregatorStub(request.env, request.scope.aggregator).adopt(answer.snapshot);
    request.ctx.waitUntil(adopt.then(() => undefined, logFill('do')));
  },

  async drop(request) {
    await aggregatorStub(request.env, request.scope.aggregator).dropSnapshot(request.window);
  },
};

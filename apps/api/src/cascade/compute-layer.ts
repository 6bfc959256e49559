import { aggregatorStub } from './aggregator-stub.ts';
import type { Layer, LayerHit } from './layer.ts';

/**
 * Layer 4: a computation from the source, in the aggregator. Single flight there: concurrent
 * callers of one window wait on one computation (`computeMs` is set only for the read that ran
 * it). Concurrent misses are not coalesced in the api: a promise holding one request's I/O
 * cannot be awaited by another request in workerd ("Cannot perform I/O on behalf of a
 * different request"). The last layer: nothing is below it to fill it from.
 */
export const computeLayer: Layer = {
  name: 'compute',
  label: 'MISS',
  budgetMs: (scope) => scope.budgets.compute,
  stale: 'last-resort',
  authoritative: true,

  async read(request): Promise<LayerHit> {
    const { snapshot, computed, held } = await aggregatorStub(request.env, request.scope.aggregator).read(
      request.window,
    );
    const hit: LayerHit = { computation: snapshot, fresh: true, snapshot, complete: true };
    if (computed) hit.computeMs = snapshot.computeMs;
    // Reached here only because the DO layer's read was over its budget: still a DO answer.
    if (held) hit.label = 'HIT-DO';
    return hit;
  },

  fill() {},
  drop() {},
};

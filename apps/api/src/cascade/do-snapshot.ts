import type { SnapshotRead } from '@openvine/aggregator';
import type { TrendingSnapshot, TrendingWindow } from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import type { ReadScope } from './read-scope.ts';

/** The aggregator object (by name: see AGGREGATOR_OBJECT_NAME) holding the event store and snapshots. */
export function aggregatorStub(env: Pick<ApiEnv, 'AGGREGATOR'>, name: string) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/** Layer 2: the aggregator's memory snapshot; never a computation. */
export const doSnapshot = {
  peek(env: ApiEnv, scope: ReadScope, window: TrendingWindow): Promise<TrendingSnapshot | null> {
    return aggregatorStub(env, scope.aggregator).peek(window);
  },

  /** Fills layer 2 from a lower layer (after an eviction). */
  adopt(env: ApiEnv, scope: ReadScope, snapshot: TrendingSnapshot): Promise<boolean> {
    return aggregatorStub(env, scope.aggregator).adopt(snapshot);
  },

  drop(env: ApiEnv, scope: ReadScope, window: TrendingWindow): Promise<void> {
    return aggregatorStub(env, scope.aggregator).dropSnapshot(window);
  },
};

/**
 * Layer 4: compute from the source, in the aggregator (single flight: concurrent callers of one
 * window wait on one computation there). `computed` is false when another request's computation
 * answered this one.
 */
export function computeFromSource(
  env: ApiEnv,
  scope: ReadScope,
  window: TrendingWindow,
): Promise<SnapshotRead> {
  return aggregatorStub(env, scope.aggregator).read(window);
}

import type { SnapshotRead } from '@openvine/aggregator';
import type { TrendingWindow } from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';

/** The aggregator object (by name: see AGGREGATOR_OBJECT_NAME) holding the event store and snapshots. */
export function aggregatorStub(env: Pick<ApiEnv, 'AGGREGATOR'>, name: string) {
  return env.AGGREGATOR.get(env.AGGREGATOR.idFromName(name));
}

/** Layer 2 (and, behind it, layer 4): the aggregator's memory snapshot, computed on a miss. */
export async function readDoSnapshot(
  env: ApiEnv,
  aggregator: string,
  window: TrendingWindow,
): Promise<SnapshotRead> {
  return aggregatorStub(env, aggregator).read(window);
}

import type { InvalidationTarget } from '@openvine/aggregator';
import {
  AGGREGATOR_OBJECT_NAME,
  type InvalidateReport,
  keyScope,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { aggregatorFor } from './precompute-run.ts';

export type { InvalidateReport } from '@openvine/trending-core';

/**
 * Bumps the targeted windows' generations in the aggregator (which recomputes them) and
 * overwrites their KV entries with the new snapshots. KV is eventually consistent: a reader
 * elsewhere may still get the old value for up to ~60 s, which is why every layer compares
 * generations instead of trusting the order values arrive in.
 */
export async function runInvalidate(
  env: PrecomputeEnv,
  target: InvalidationTarget,
  aggregator = AGGREGATOR_OBJECT_NAME,
): Promise<InvalidateReport> {
  const result = await aggregatorFor(env, aggregator).invalidate(target);
  const windows = await Promise.all(
    result.snapshots.map(async (snapshot) => ({
      window: snapshot.window,
      generation: snapshot.generation,
      kvKeys: await writeSnapshotToKv(env.TRENDING_KV, snapshot, keyScope(aggregator)),
    })),
  );
  return { windows };
}

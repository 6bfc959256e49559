import type { InvalidationTarget } from '@openvine/aggregator';
import {
  AGGREGATOR_OBJECT_NAME,
  type InvalidatedWindow,
  type InvalidateOutcome,
  keyScope,
  type NotRecomputedWindow,
  type TrendingSnapshot,
  type TrendingWindow,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { aggregatorFor } from './precompute-run.ts';
import { acquireRunLock, INVALIDATE_LOCK_WAIT_MS } from './run-lock.ts';

// The report's shapes are trending-core's schemas (the api documents them and passes them on).
export type { InvalidatedWindow, InvalidateOutcome } from '@openvine/trending-core';

export interface InvalidateOptions {
  /** How long to wait for a running precompute to release the run lock (INVALIDATE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/**
 * Overwrites KV with the new snapshots of bumped windows (fenced by generation: kv-writer.ts),
 * reporting per window what was written, superseded by a newer copy, or refused.
 */
export function rewriteWindows(
  env: PrecomputeEnv,
  snapshots: readonly TrendingSnapshot[],
  scope: string,
): Promise<InvalidatedWindow[]> {
  return Promise.all(
    snapshots.map(async (snapshot): Promise<InvalidatedWindow> => {
      const kv = await writeSnapshotToKv(env.TRENDING_KV, snapshot, scope);
      return {
        window: snapshot.window,
        generation: snapshot.generation,
        kvKeys: kv.written,
        ...(kv.superseded.length > 0 ? { kvSuperseded: kv.superseded } : {}),
        kvFailed: kv.failed,
      };
    }),
  );
}

/**
 * The windows an invalidation bumped but the aggregator could not recompute, as the report names
 * them (absent when none). The aggregator's reason is logged here, never passed to a client.
 */
export function notRecomputedReport(
  failed: readonly { window: TrendingWindow; generation: number; error: string }[],
): { notRecomputed?: NotRecomputedWindow[] } {
  if (failed.length === 0) return {};
  for (const { window, generation, error } of failed)
    console.error(`invalidation: ${window} bumped to generation ${generation} but not recomputed: ${error}`);
  return { notRecomputed: failed.map(({ window, generation }) => ({ window, generation })) };
}

/**
 * Bumps the targeted windows' generations in the aggregator (which recomputes them) and
 * overwrites their KV entries with the new snapshots, holding the precompute run lock throughout:
 * a run that holds an older generation finishes its KV and edge writes before the bump, and none
 * starts until these writes are done, so a run's older snapshot never lands after the new one.
 * KV is eventually consistent: a reader elsewhere may still get the old value for up to ~60 s,
 * which is why every layer compares generations instead of trusting the order values arrive in.
 * A window the aggregator bumped but could not recompute is named in `notRecomputed`.
 */
export async function runInvalidate(
  env: PrecomputeEnv,
  target: InvalidationTarget,
  aggregator = AGGREGATOR_OBJECT_NAME,
  options: InvalidateOptions = {},
): Promise<InvalidateOutcome> {
  const stub = aggregatorFor(env, aggregator);
  const owner = `invalidate:${crypto.randomUUID()}`;
  const waitMs = options.lockWaitMs ?? INVALIDATE_LOCK_WAIT_MS;
  if (!(await acquireRunLock(stub, owner, waitMs))) {
    return {
      ok: false,
      reason: 'run_lock_busy',
      message: `A precompute run held the run lock for the ${waitMs / 1000} s this invalidation waited; nothing was invalidated. Retry in a few seconds.`,
    };
  }
  try {
    const result = await stub.invalidate(target);
    const windows = await rewriteWindows(env, result.snapshots, keyScope(aggregator));
    return { ok: true, windows, ...notRecomputedReport(result.notRecomputed) };
  } finally {
    // No report: status keeps showing the last precompute run.
    await stub.unlockRun(owner);
  }
}

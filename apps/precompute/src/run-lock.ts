import type { TrendingAggregator } from '@openvine/aggregator';
import { INTERVALS } from '@openvine/trending-core';

/** A run may not take longer than the cron interval; a crashed run's lock expires by then. */
export const RUN_LOCK_TTL_MS = INTERVALS.runLockTtlMs;
/** How long an invalidation waits for a running precompute (see INTERVALS.invalidateLockWaitMs). */
export const INVALIDATE_LOCK_WAIT_MS = INTERVALS.invalidateLockWaitMs;

/**
 * Takes the aggregator's run lock for `owner`, asking again while another owner holds it (after
 * 50 ms, doubling up to 1 s between asks) for up to `waitMs`. False when it was still held then.
 */
export async function acquireRunLock(
  aggregator: Pick<DurableObjectStub<TrendingAggregator>, 'tryLockRun'>,
  owner: string,
  waitMs: number,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (
    let delay: number = INTERVALS.runLockRetryFirstMs;
    ;
    delay = Math.min(delay * 2, INTERVALS.runLockRetryMaxMs)
  ) {
    if (await aggregator.tryLockRun(owner, RUN_LOCK_TTL_MS)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}

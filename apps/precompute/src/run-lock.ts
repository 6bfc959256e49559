import type { TrendingAggregator } from '@openvine/aggregator';

/** A run may not take longer than the cron interval; a crashed run's lock expires by then. */
export const RUN_LOCK_TTL_MS = 55_000;

/**
 * How long an invalidation waits for the lock while a precompute run holds it. A run takes about
 * a second, and at most a few more when KV answers 429 and its writes are retried; one that holds
 * the lock this long is stuck, and the invalidation answers that instead of waiting out the 55 s.
 */
export const INVALIDATE_LOCK_WAIT_MS = 20_000;

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1_000;

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
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    if (await aggregator.tryLockRun(owner, RUN_LOCK_TTL_MS)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}

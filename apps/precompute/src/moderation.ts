import {
  AGGREGATOR_OBJECT_NAME,
  CachePurgeError,
  CloudflareCachePurge,
  type EdgePurge,
  type InvalidatedWindow,
  keyScope,
  type ModerateOutcome,
  type ModerationChange,
  type ModerationList,
  type TrendingWindow,
  trendingWindowCacheTag,
} from '@openvine/trending-core';
import type { PrecomputeEnv } from './env.ts';
import { notRecomputedReport, rewriteWindows } from './invalidate.ts';
import { aggregatorFor } from './precompute-run.ts';
import { acquireRunLock, INVALIDATE_LOCK_WAIT_MS } from './run-lock.ts';

export interface ModerateOptions {
  /** How long to wait for a running precompute to release the run lock (INVALIDATE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/**
 * Applies a hide or unhide in the aggregator (which bumps and recomputes every window without the
 * hidden items) and overwrites KV with the new snapshots, under the precompute run lock as an
 * invalidation does (invalidate.ts says why); nothing changes when the lock stays busy. Then
 * purges every data center's edge by the bumped windows' tags (purgeEdgeEverywhere). The caller
 * (the api) drops its own data center's entries and memory and raises its generation floor.
 */
export async function runModeration(
  env: PrecomputeEnv,
  change: ModerationChange,
  aggregator = AGGREGATOR_OBJECT_NAME,
  options: ModerateOptions = {},
): Promise<ModerateOutcome> {
  const stub = aggregatorFor(env, aggregator);
  const owner = `moderate:${crypto.randomUUID()}`;
  const waitMs = options.lockWaitMs ?? INVALIDATE_LOCK_WAIT_MS;
  if (!(await acquireRunLock(stub, owner, waitMs))) {
    return {
      ok: false,
      reason: 'run_lock_busy',
      message: `A precompute run held the run lock for the ${waitMs / 1000} s this change waited; nothing was changed. Retry in a few seconds.`,
    };
  }
  const scope = keyScope(aggregator);
  let entry: Awaited<ReturnType<typeof stub.moderate>>['entry'];
  let windows: InvalidatedWindow[];
  let notRecomputed: ReturnType<typeof notRecomputedReport>;
  try {
    const result = await stub.moderate(change);
    entry = result.entry;
    windows = await rewriteWindows(env, result.snapshots, scope);
    notRecomputed = notRecomputedReport(result.notRecomputed);
  } finally {
    await stub.unlockRun(owner);
  }
  // After KV holds the new snapshots: an entry refilled after the purge is filled with them. A
  // window not recomputed is not purged: its entries would be refilled with the list from before.
  const edgePurge = await purgeEdgeEverywhere(
    env,
    scope,
    windows.map((w) => w.window),
  );
  return { ok: true, entry, windows, ...notRecomputed, edgePurge };
}

/** What is hidden now, and the audit list. */
export function readModeration(env: PrecomputeEnv, aggregator?: string): Promise<ModerationList> {
  return aggregatorFor(env, aggregator).moderationList();
}

/**
 * Purges the windows' answers from every data center through Cloudflare's purge API, by the tag
 * each answer carries for its window (trendingWindowCacheTag). Skipped, and reported so, when no
 * token or zone is configured (local development: there is one data center, the api drops its
 * entries itself). A failure is reported, not thrown: the change stands, and the other data
 * centers drop the old entries within the edge freshness.
 */
async function purgeEdgeEverywhere(
  env: PrecomputeEnv,
  scope: string,
  windows: readonly TrendingWindow[],
): Promise<EdgePurge> {
  const tags = windows.map((window) => trendingWindowCacheTag(scope, window));
  if (!env.PURGE_ZONE_ID || !env.PURGE_API_TOKEN) {
    return {
      status: 'skipped',
      tags,
      message:
        'No purge configured (PURGE_ZONE_ID var and PURGE_API_TOKEN secret): only this data ' +
        "center's edge was purged; others drop their entries within the edge freshness (30 s)",
    };
  }
  try {
    const purge = new CloudflareCachePurge({
      zoneId: env.PURGE_ZONE_ID,
      apiToken: env.PURGE_API_TOKEN,
      ...(env.PURGE_API_ENDPOINT ? { endpoint: env.PURGE_API_ENDPOINT } : {}),
      fetch: (url, init) => fetch(url, init as RequestInit),
    });
    await purge.purgeTags(tags);
    return { status: 'purged', tags, message: 'Purged from every data center by tag' };
  } catch (err) {
    if (!(err instanceof CachePurgeError) && !(err instanceof TypeError)) throw err;
    return { status: 'failed', tags, message: err.message };
  }
}

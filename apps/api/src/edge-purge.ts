import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  MAX_LIMIT,
  parseWindow,
  RESPONSE_FORMATS,
  type TrendingWindow,
} from '@openvine/trending-core';
import { edgeCache } from './cascade/edge-cache.ts';
import { edgeWindowCache } from './cascade/edge-window-cache.ts';
import type { ApiEnv } from './env.ts';

/** The Cache API calls one window's purge makes: every format and limit, and the window's snapshot. */
export const PURGE_CALLS_PER_WINDOW = RESPONSE_FORMATS.length * MAX_LIMIT + 1;

/** Removes a window's entries of this data center's edge cache (every format and limit). */
async function purgeWindow(scope: string, window: TrendingWindow): Promise<void> {
  const deletions: Promise<boolean>[] = [];
  for (const format of RESPONSE_FORMATS) {
    for (let limit = 1; limit <= MAX_LIMIT; limit++)
      deletions.push(edgeCache.delete(edgeCacheUrl(format, window, limit, scope)));
  }
  deletions.push(edgeWindowCache.delete(scope, window));
  await Promise.all(deletions);
}

/**
 * Purges one window from this data center's edge, in an invocation of its own. A window's purge is
 * PURGE_CALLS_PER_WINDOW (401) Cache API calls, and an invocation may make at most
 * LIMITS.cacheApiCallsPerInvocation (1,000, shared with its other subrequests): every window's in
 * the admin request's own invocation (1,203) would fail part-way and leave entries of the last
 * window behind. The api reaches this entrypoint through its own `ctx.exports` (a loopback
 * binding, no configuration), once per window.
 */
export class EdgePurge extends WorkerEntrypoint<ApiEnv> {
  async purgeWindow(scope: string, window: TrendingWindow): Promise<void> {
    if (typeof scope !== 'string') throw new TypeError('scope must be a string');
    await purgeWindow(scope, parseWindow(window));
  }
}

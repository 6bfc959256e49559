import {
  edgeWindowUrl,
  type TrendingSnapshot,
  TrendingSnapshotSchema,
  type TrendingWindow,
  TTL_POLICY,
  trendingCacheTagValue,
} from '@openvine/trending-core';
import * as v from 'valibot';

/** When this data center stored the entry: its freshness counts from here, as a read's own entry's. */
const STORED_AT = 'x-trending-stored-at';

/** Kept by the cache no longer than a snapshot may be served at all (the edge's stale budget). */
const CACHE_CONTROL = `max-age=${Math.round(TTL_POLICY.edge.staleMs / 1000)}`;

/** A window's snapshot found in this data center's cache, and when it was stored here. */
export interface EdgeWindowEntry {
  snapshot: TrendingSnapshot;
  storedAt: number;
}

/**
 * A window's whole snapshot in this data center's `caches.default`, beside the reads' own entries
 * (edge-cache.ts). A read's own entry holds one (format, limit) answer and is refreshed 30 s after
 * its own store, so a data center's entries of one window hold different computations; when a
 * read's entry is older than what the isolate already served (one snapshot per window,
 * generations.ts) or is stale, the edge slices this entry instead of asking the far aggregator.
 * Written with every complete answer found below the edge and by the edge warmer; tagged like
 * every trending entry, so that a purge by tag drops it too.
 */
export const edgeWindowCache = {
  async get(scope: string, window: TrendingWindow): Promise<EdgeWindowEntry | undefined> {
    const response = await caches.default.match(edgeWindowUrl(window, scope));
    if (!response) return undefined;
    const storedAt = Number(response.headers.get(STORED_AT));
    const value: unknown = await response.json().catch(() => undefined);
    // Written by this deploy's format (EDGE_ENTRY_FORMAT), but checked as every stored snapshot is.
    if (!Number.isFinite(storedAt) || !v.is(TrendingSnapshotSchema, value) || value.window !== window)
      return undefined;
    return { snapshot: value, storedAt };
  },

  /** Stores a complete snapshot; `storedAt` is when its computation reached this data center. */
  async put(scope: string, snapshot: TrendingSnapshot, storedAt = Date.now()): Promise<void> {
    await caches.default.put(
      edgeWindowUrl(snapshot.window, scope),
      new Response(JSON.stringify(snapshot), {
        headers: {
          'Content-Type': 'application/json',
          'Cache-Control': CACHE_CONTROL,
          'Cache-Tag': trendingCacheTagValue(scope, snapshot.window, snapshot.generation),
          [STORED_AT]: String(storedAt),
        },
      }),
    );
  },

  async delete(scope: string, window: TrendingWindow): Promise<boolean> {
    return caches.default.delete(edgeWindowUrl(window, scope));
  },
};

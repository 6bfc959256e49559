import * as v from 'valibot';
import type { TrendingSnapshot } from './response-schemas.ts';
import { MAX_LIMIT, PRECOMPUTED_LIMITS } from './ttl-policy.ts';
import { type TrendingWindow, WINDOWS } from './windows.ts';

/**
 * Response formats share the cascade (one snapshot per window) but serialize differently, so each
 * has its own keys: /v1 videos, the app's vines, its hashtags and its creators.
 */
export const RESPONSE_FORMATS = ['v1', 'vines', 'hashtags', 'creators'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export function isResponseFormat(value: unknown): value is ResponseFormat {
  return typeof value === 'string' && (RESPONSE_FORMATS as readonly string[]).includes(value);
}

/**
 * Name of the aggregator Durable Object that holds the event store. One shard today; see
 * docs/architecture.md ("Sharding") for how names become `trending-v1:{n}` when one is not enough.
 */
export const AGGREGATOR_OBJECT_NAME = 'trending-v1';

/** The metrics Durable Object of an aggregator: the production one, or one per test aggregator. */
export const METRICS_OBJECT_NAME = 'metrics-v1';
export function metricsObjectFor(aggregator: string): string {
  return aggregator === AGGREGATOR_OBJECT_NAME ? METRICS_OBJECT_NAME : `metrics:${aggregator}`;
}

/**
 * Key prefix of the cached data derived from one aggregator object: empty for the production
 * object, so production keys are exactly the design's (`pre:{window}:{limit}`); any other
 * object (each test has its own) gets its own key space in every layer.
 */
export function keyScope(aggregator: string): string {
  return aggregator === AGGREGATOR_OBJECT_NAME ? '' : `${aggregator}/`;
}

/** The one canonical identity of a read: only window, limit and format. */
export function canonicalKey(
  format: ResponseFormat,
  window: TrendingWindow,
  limit: number,
  scope = '',
): string {
  return `${scope}${format}:${window}:${limit}`;
}

/** KV key of a precomputed list (design: `pre:{window}:{limit}`). */
export function kvPrecomputedKey(window: TrendingWindow, limit: number, scope = ''): string {
  return `${scope}pre:${window}:${limit}`;
}

/** KV key of the per-window top-100 every other limit is sliced from. */
export function kvTopKey(window: TrendingWindow, scope = ''): string {
  return `${scope}top:${window}`;
}

/**
 * The format of what an edge entry stores (its headers: apps/api's edge-cache.ts), first in its
 * key: raised when that changes, so that a deploy never reads an entry written by the one before
 * (e3: entries carry `Cache-Tag`, so that moderation's purge by tag reaches every one of them).
 */
export const EDGE_ENTRY_FORMAT = 'e3';

/**
 * Cache API key. Cache API keys must be URLs; a private host keeps them apart from any real
 * route, and the path holds only canonical parts so unknown query parameters never add entries.
 */
export function edgeCacheUrl(
  format: ResponseFormat,
  window: TrendingWindow,
  limit: number,
  scope = '',
): string {
  return `https://trending-cache.internal/${EDGE_ENTRY_FORMAT}/${encodeURIComponent(scope)}${format}/${window}/${limit}`;
}

/**
 * Cache API key of a window's whole snapshot in one data center (the top 100 with its groups,
 * as the aggregator serves it): what the edge answers from when a read's own entry holds an older
 * computation than the isolate already served, or is stale, so that the read slices it here
 * rather than asking the far aggregator. `snapshot` is no response format, so it never collides.
 */
export function edgeWindowUrl(window: TrendingWindow, scope = ''): string {
  return `https://trending-cache.internal/${EDGE_ENTRY_FORMAT}/${encodeURIComponent(scope)}snapshot/${window}`;
}

/**
 * The short-lived entry beside an edge entry that says one isolate of this data center is
 * refreshing it (the Cache API has no request collapsing of its own for cache.put).
 */
export function edgeRefreshLockUrl(edgeUrl: string): string {
  return `${edgeUrl}/refresh-lock`;
}

export function isPrecomputedLimit(limit: number): boolean {
  return (PRECOMPUTED_LIMITS as readonly number[]).includes(limit);
}

/** The KV key a read of `limit` looks up: its precomputed slice, else the top-100 to slice. */
export function kvReadKey(window: TrendingWindow, limit: number, scope = ''): string {
  return isPrecomputedLimit(limit) ? kvPrecomputedKey(window, limit, scope) : kvTopKey(window, scope);
}

/** Everything KV holds for one window's snapshot: the top-100 and the precomputed slices. */
export function kvSnapshotEntries(snapshot: TrendingSnapshot, scope = ''): [string, TrendingSnapshot][] {
  return [
    [kvTopKey(snapshot.window, scope), snapshot],
    ...PRECOMPUTED_LIMITS.map((limit): [string, TrendingSnapshot] => [
      kvPrecomputedKey(snapshot.window, limit, scope),
      {
        ...snapshot,
        videos: snapshot.videos.slice(0, limit),
        ...(snapshot.hashtags ? { hashtags: snapshot.hashtags.slice(0, limit) } : {}),
        ...(snapshot.creators ? { creators: snapshot.creators.slice(0, limit) } : {}),
      },
    ]),
  ];
}

/** One cacheable read: what the edge and isolate memory key on. */
export const ReadTargetSchema = v.object({
  format: v.picklist(RESPONSE_FORMATS),
  window: v.picklist(WINDOWS),
  limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_LIMIT)),
});
export type ReadTarget = v.InferOutput<typeof ReadTargetSchema>;

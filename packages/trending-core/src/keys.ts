import { PRECOMPUTED_LIMITS } from './ttl-policy.ts';
import type { TrendingWindow } from './windows.ts';

/** Response formats share the cascade but serialize differently, so each has its own keys. */
export type ResponseFormat = 'v1' | 'vines';

/** The one canonical identity of a read: only window, limit and format. */
export function canonicalKey(format: ResponseFormat, window: TrendingWindow, limit: number): string {
  return `${format}:${window}:${limit}`;
}

/** KV key of a precomputed list (design: `pre:{window}:{limit}`). */
export function kvPrecomputedKey(window: TrendingWindow, limit: number): string {
  return `pre:${window}:${limit}`;
}

/** KV key of the per-window top-100 every other limit is sliced from. */
export function kvTopKey(window: TrendingWindow): string {
  return `top:${window}`;
}

/**
 * Cache API key. Cache API keys must be URLs; a private host keeps them apart from any real
 * route, and the path holds only canonical parts so unknown query parameters never add entries.
 */
export function edgeCacheUrl(format: ResponseFormat, window: TrendingWindow, limit: number): string {
  return `https://trending-cache.internal/${format}/${window}/${limit}`;
}

export function isPrecomputedLimit(limit: number): boolean {
  return (PRECOMPUTED_LIMITS as readonly number[]).includes(limit);
}

/**
 * Name of the aggregator Durable Object that holds the event store. One shard today; see
 * docs/architecture.md ("Sharding") for how names become `trending-v1:{n}` when one is not enough.
 */
export const AGGREGATOR_OBJECT_NAME = 'trending-v1';

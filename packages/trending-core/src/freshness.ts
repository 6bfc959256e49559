import { TTL_POLICY } from './ttl-policy.ts';

/** How a cached copy of a snapshot stands at a given moment. */
export type Freshness = 'fresh' | 'stale' | 'expired';

/**
 * A cached copy is fresh for `freshMs` from when its layer stored it (not from when its ranking
 * was computed: a copy refilled from a 60 s-old aggregator snapshot or a 250 s-old KV value is
 * not stale on arrival), but never past the snapshot's own age budget: a computation older than
 * TTL_POLICY.edge.staleMs is expired in every layer, however recently it was stored. Between the
 * two it is stale: served while a refresh runs.
 */
export function freshness(
  storedAt: number,
  computedAt: number,
  freshMs: number,
  now = Date.now(),
): Freshness {
  if (now - computedAt > TTL_POLICY.edge.staleMs) return 'expired';
  return now - storedAt <= freshMs ? 'fresh' : 'stale';
}

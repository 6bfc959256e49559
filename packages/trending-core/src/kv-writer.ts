import { kvSnapshotEntries } from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';
import { TTL_POLICY } from './ttl-policy.ts';

/** The part of a Workers KV namespace this package writes through (structural: no Worker types here). */
export interface KvWriter {
  put(key: string, value: string, options: { expirationTtl: number }): Promise<unknown>;
}

/**
 * Overwrites every KV entry of a window (its top-100 and the precomputed slices) with one
 * snapshot, expiring after the TTL table's KV lifetime. Returns the keys written.
 */
export async function writeSnapshotToKv(
  kv: KvWriter,
  snapshot: TrendingSnapshot,
  scope = '',
): Promise<string[]> {
  const entries = kvSnapshotEntries(snapshot, scope);
  await Promise.all(
    entries.map(([key, value]) =>
      kv.put(key, JSON.stringify(value), { expirationTtl: TTL_POLICY.kv.expirationTtlS }),
    ),
  );
  return entries.map(([key]) => key);
}

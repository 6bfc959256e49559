import type { KvWriteFailure } from './admin-reports.ts';
import { isOlder } from './computation.ts';
import { kvSnapshotEntries } from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';
import { TTL_POLICY } from './ttl-policy.ts';

/** The part of a Workers KV namespace this package writes through (structural: no Worker types here). */
export interface KvWriter {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<unknown>;
}

/** What became of each KV entry of one snapshot. */
export interface KvWriteOutcome {
  /** Keys that now hold the snapshot. */
  written: string[];
  /** Keys left as they were: they already held a newer copy of the window (another writer's). */
  superseded: string[];
  /** Keys KV refused, after the retries a 429 gets. */
  failed: KvWriteFailure[];
}

/**
 * Waits before the second and third attempt at a key KV answered 429. KV takes one write per
 * second per key, so a 429 means another write of that key landed within the last second: wait
 * that second, then twice as long, each with up to a quarter more at random so that writers that
 * collided do not collide again.
 */
export const KV_RETRY_DELAYS_MS = [TTL_POLICY.kv.minWriteIntervalMs, 2 * TTL_POLICY.kv.minWriteIntervalMs];

/**
 * Whether KV refused a write for its rate limit: the binding rejects with `KV PUT failed: 429 Too
 * Many Requests`. The free plan's daily write quota answers 429 too (`... free usage limit ...
 * [code: 10048]`), but seconds of waiting do not lift it, so it is not retried.
 */
export function isKvRateLimited(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /\b429\b|too many requests/i.test(message) && !/usage limit|\b10048\b/i.test(message);
}

/**
 * Whether `held`, a KV value of the snapshot's window, is newer than the snapshot: a higher
 * generation, or the same one computed later. Anything else (nothing, another shape) is not.
 */
function isNewer(held: unknown, snapshot: TrendingSnapshot): boolean {
  if (typeof held !== 'object' || held === null) return false;
  const { window, generation, computedAt } = held as Partial<TrendingSnapshot>;
  if (window !== snapshot.window || typeof generation !== 'number' || typeof computedAt !== 'number')
    return false;
  return isOlder(snapshot, { generation, computedAt });
}

/** What KV holds at `key`; a read that fails counts as nothing known (the write then decides). */
async function held(kv: KvWriter, key: string): Promise<unknown> {
  try {
    return await kv.get(key, 'json');
  } catch {
    return null;
  }
}

/** Workers and Node both have setTimeout; this package carries no runtime's types, hence the cast. */
const timers = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown };
const sleep = (ms: number) => new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

async function writeEntry(
  kv: KvWriter,
  key: string,
  value: TrendingSnapshot,
  snapshot: TrendingSnapshot,
): Promise<'written' | 'superseded' | KvWriteFailure> {
  for (let attempt = 0; ; attempt++) {
    // Checked before every attempt: the write a 429 reports may well be a newer generation's.
    if (isNewer(await held(kv, key), snapshot)) return 'superseded';
    try {
      await kv.put(key, JSON.stringify(value), { expirationTtl: TTL_POLICY.kv.expirationTtlS });
      return 'written';
    } catch (err) {
      const delay = KV_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isKvRateLimited(err)) {
        return { key, error: err instanceof Error ? err.message : String(err) };
      }
      await sleep(delay + Math.random() * (delay / 4));
    }
  }
}

/**
 * Overwrites every KV entry of a window (its top-100 and the precomputed slices) with one
 * snapshot, expiring after the TTL table's KV lifetime. An entry that already holds a newer copy
 * of the window is left alone (a fence: a writer holding an older generation, such as a read's
 * fill or a run that outlived its lock, never replaces the newer one where this location's KV
 * shows it); a 429 is retried (KV_RETRY_DELAYS_MS). Never rejects: each key's fate is reported.
 */
export async function writeSnapshotToKv(
  kv: KvWriter,
  snapshot: TrendingSnapshot,
  scope = '',
): Promise<KvWriteOutcome> {
  const outcome: KvWriteOutcome = { written: [], superseded: [], failed: [] };
  const entries = kvSnapshotEntries(snapshot, scope);
  const results = await Promise.all(entries.map(([key, value]) => writeEntry(kv, key, value, snapshot)));
  results.forEach((result, i) => {
    const key = entries[i]?.[0] ?? '';
    if (result === 'written') outcome.written.push(key);
    else if (result === 'superseded') outcome.superseded.push(key);
    else outcome.failed.push(result);
  });
  return outcome;
}

/** One line naming every key KV refused and why, for an error or a log. */
export function describeKvFailures(failed: readonly KvWriteFailure[]): string {
  return `${failed.length} KV write${failed.length === 1 ? '' : 's'} failed: ${failed
    .map((f) => `${f.key}: ${f.error}`)
    .join('; ')}`;
}

import {
  type Computation,
  freshness,
  isOlder,
  type TrendingWindow,
  TTL_POLICY,
} from '@openvine/trending-core';
import type { CachedBody } from './cached-body.ts';

interface MemoryEntry extends CachedBody {
  storedAt: number;
  bytes: number;
}

export interface MemoryHit {
  entry: CachedBody;
  fresh: boolean;
}

export interface MemoryBounds {
  maxEntries: number;
  maxBytes: number;
}

/** What an entry costs: 2 bytes per UTF-16 code unit of its key, body and ETag (see TTL_POLICY.memory). */
export function entryBytes(key: string, value: Pick<CachedBody, 'body' | 'etag'>): number {
  return 2 * (key.length + value.body.length + value.etag.length);
}

/**
 * Layer 0: serialized responses in this isolate's module scope. Fresh for a few seconds from when
 * stored; kept while the snapshot is within its age budget, as a last resort when every other
 * layer fails. Bounded by
 * entries and by bytes: when a new entry would exceed either bound, the oldest entries go first
 * (a Map iterates in insertion order); an entry larger than the whole byte budget is never stored.
 */
export function createIsolateMemory(bounds: MemoryBounds) {
  const entries = new Map<string, MemoryEntry>();
  let totalBytes = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    totalBytes -= entry.bytes;
    entries.delete(key);
  }

  return {
    /** The entry, unless it is an older computation than `newest` or past the snapshot age budget. */
    get(key: string, newest: Computation, now = Date.now()): MemoryHit | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const state = freshness(entry.storedAt, entry.computedAt, TTL_POLICY.memory.freshMs, now);
      if (state === 'expired' || isOlder(entry, newest)) {
        remove(key);
        return undefined;
      }
      return { entry, fresh: state === 'fresh' };
    },

    set(key: string, value: CachedBody, now = Date.now()): void {
      remove(key);
      const bytes = entryBytes(key, value);
      if (bytes > bounds.maxBytes) return;
      while (entries.size >= bounds.maxEntries || totalBytes + bytes > bounds.maxBytes) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        remove(oldest);
      }
      entries.set(key, { ...value, storedAt: now, bytes });
      totalBytes += bytes;
    },

    delete(key: string): void {
      remove(key);
    },

    /** Drops every entry of a window in a key scope (after an invalidation through this isolate). */
    dropWindow(scope: string, window: TrendingWindow): void {
      for (const [key, entry] of entries) {
        if (entry.window === window && key.startsWith(scope)) remove(key);
      }
    },

    /** What is held now: entries and their bytes (for tests and triage). */
    usage(): { entries: number; bytes: number } {
      return { entries: entries.size, bytes: totalBytes };
    },
  };
}

export type IsolateMemory = ReturnType<typeof createIsolateMemory>;

/** The api's layer 0, within TTL_POLICY.memory's bounds. */
export const isolateMemory: IsolateMemory = createIsolateMemory(TTL_POLICY.memory);

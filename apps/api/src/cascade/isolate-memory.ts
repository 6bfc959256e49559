import { type TrendingWindow, TTL_POLICY } from '@openvine/trending-core';
import type { CachedBody } from './cached-body.ts';

interface MemoryEntry extends CachedBody {
  storedAt: number;
}

/**
 * Layer 0: serialized responses in this isolate's module scope. Fresh for a few seconds; kept
 * up to the edge's stale horizon as a last resort when every other layer fails. Bounded: the
 * oldest entry goes first (a Map iterates in insertion order).
 */
const entries = new Map<string, MemoryEntry>();

export interface MemoryHit {
  entry: CachedBody;
  fresh: boolean;
}

export const isolateMemory = {
  get(key: string, generationFloor: number, now = Date.now()): MemoryHit | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.generation < generationFloor || now - entry.storedAt > TTL_POLICY.edge.staleMs) {
      entries.delete(key);
      return undefined;
    }
    return { entry, fresh: now - entry.storedAt <= TTL_POLICY.memory.freshMs };
  },

  set(key: string, value: CachedBody, now = Date.now()): void {
    entries.delete(key);
    entries.set(key, { ...value, storedAt: now });
    while (entries.size > TTL_POLICY.memory.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  },

  delete(key: string): void {
    entries.delete(key);
  },

  /** Drops every entry of a window in a key scope (after an invalidation through this isolate). */
  dropWindow(scope: string, window: TrendingWindow): void {
    for (const [key, entry] of entries) {
      if (entry.window === window && key.startsWith(scope)) entries.delete(key);
    }
  },
};

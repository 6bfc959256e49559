import { isOlder, LIMITS, type TrendingSnapshot, type TrendingWindow } from '@openvine/trending-core';

/** A window's whole top-100 as this isolate last received it, and when it did. */
export interface HeldSnapshot {
  snapshot: TrendingSnapshot;
  heldAt: number;
}

/**
 * Windows are few (3 in production's one key scope); tests use a scope each. Bounded
 * (LIMITS.heldSnapshots) so that a long-lived isolate never grows with scopes: the oldest goes
 * first. Each entry is one window's top 100 (about 30 KB).
 */
const MAX_HELD = LIMITS.heldSnapshots;

/**
 * Per (key scope, window), the newest complete snapshot (the window's top 100, as the aggregator
 * and KV's `top:` entry hold it) this isolate has received below the edge. Any limit and format
 * of the window is a slice of it: when a layer holds an older computation for one limit (memory
 * or the edge filled before a newer ranking arrived), the answer is sliced from this instead,
 * so that every page of a window shows one list. Also the last resort when every layer fails.
 */
const held = new Map<string, HeldSnapshot>();

export const servedSnapshots = {
  get(scope: string, window: TrendingWindow): HeldSnapshot | undefined {
    return held.get(`${scope}${window}`);
  },

  /** Keeps `snapshot` if it is a complete one and not older than the one held. */
  offer(scope: string, snapshot: TrendingSnapshot, complete: boolean, now = Date.now()): void {
    if (!complete) return;
    const key = `${scope}${snapshot.window}`;
    const current = held.get(key);
    if (current && !isOlder(current.snapshot, snapshot)) return;
    held.delete(key);
    if (held.size >= MAX_HELD) {
      const oldest = held.keys().next().value;
      if (oldest !== undefined) held.delete(oldest);
    }
    held.set(key, { snapshot, heldAt: now });
  },

  /** After an invalidation through this isolate: the window's old ranking is never sliced again. */
  drop(scope: string, window: TrendingWindow): void {
    held.delete(`${scope}${window}`);
  },
};

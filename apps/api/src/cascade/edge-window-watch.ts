import { freshness, INTERVALS, LIMITS, type TrendingWindow, TTL_POLICY } from '@openvine/trending-core';
import { edgeWindowCache } from './edge-window-cache.ts';
import { markServed } from './generations.ts';
import type { LayerRequest } from './layer.ts';

const WATCH_MS = INTERVALS.edgeWindowWatchMs;
const FRESH_MS = TTL_POLICY.edge.freshMs;

/**
 * Per key scope, then window: when this isolate last read the window's snapshot at the edge. By
 * the scope string and the window name, as generations.ts, since it is looked up on every fresh
 * edge hit. Scopes are few in production (one); tests use one each, so the map is bounded.
 */
const lastRead = new Map<string, Partial<Record<TrendingWindow, number>>>();

function markRead(scope: string, window: TrendingWindow, now: number): void {
  let windows = lastRead.get(scope);
  if (!windows) {
    if (lastRead.size >= LIMITS.heldSnapshots) lastRead.clear();
    windows = {};
    lastRead.set(scope, windows);
  }
  windows[window] = now;
}

/**
 * The window's snapshot in this data center, when it is fresh and newer than anything this
 * isolate has served: the isolate's floor rises to it (generations.ts), so that its reads' own
 * entries of an older computation stop answering and the snapshot answers them instead
 * (edge-layer.ts). It was stored by another isolate here, which may already have served it.
 */
async function adoptNewer(scope: string, window: TrendingWindow): Promise<void> {
  const entry = await edgeWindowCache.get(scope, window);
  if (!entry || freshness(entry.storedAt, entry.snapshot.computedAt, FRESH_MS) !== 'fresh') return;
  markServed(scope, window, entry.snapshot);
}

/**
 * One snapshot per window across the isolates of a data center. A read's own edge entry stays
 * fresh for 30 s from its store, and isolates store theirs at different times: without this, one
 * isolate answered limit 20 from a newer computation while another answered limit 50 from the
 * older one, for up to 30 s. An isolate answering from its own fresh entries now reads the
 * window's snapshot too, at most once per `edgeWindowWatchMs` per window and never on the
 * response path, and adopts a newer one.
 */
export const edgeWindowWatch = {
  /** After a fresh hit of the read's own entry: reads the window's snapshot when it is due. */
  check(request: LayerRequest): void {
    const { keys } = request.scope;
    const now = Date.now();
    const last = lastRead.get(keys)?.[request.window];
    if (last !== undefined && now - last < WATCH_MS) return;
    markRead(keys, request.window, now);
    // A failed read changes nothing: the next one is due a period later.
    request.ctx.waitUntil(adoptNewer(keys, request.window).catch(() => undefined));
  },

  /** The window's snapshot was just read by a read of its own: no extra read is due for a while. */
  saw(scope: string, window: TrendingWindow): void {
    markRead(scope, window, Date.now());
  },
};

import { type Computation, isOlder, type TrendingWindow } from '@openvine/trending-core';

const NONE: Computation = { generation: 0, computedAt: 0 };

/**
 * Per (key scope, window), the newest computation this isolate has served, and the generation
 * raised by invalidations made through it. Nothing older is served from any layer:
 * - an older generation, so that after an invalidation no copy from before it comes back (KV is
 *   eventually consistent and other data centers' copies arrive late: compare, don't trust order);
 *   isolates that have not seen an invalidation learn it from the next value they read below the
 *   edge (within the edge's 30 s freshness); see docs/architecture.md ("Invalidation");
 * - an older computation of the same generation, so that every limit and format of a window is
 *   a slice of one snapshot: a client that loads more with a larger `limit` sees the same first
 *   entries, never an older list from a layer that happened to hold that limit longer.
 */
// By scope, then window: looked up twice on every read (the floor, then the mark), so by the
// scope string itself and the window name rather than a key concatenated (and hashed) each time.
const newest = new Map<string, Partial<Record<TrendingWindow, Computation>>>();

function windowsOf(scope: string): Partial<Record<TrendingWindow, Computation>> {
  let windows = newest.get(scope);
  if (!windows) {
    windows = {};
    newest.set(scope, windows);
  }
  return windows;
}

/** The newest computation of a window served here (generation 0 when none yet). */
export function newestServed(scope: string, window: TrendingWindow): Computation {
  return newest.get(scope)?.[window] ?? NONE;
}

/** Records what a response was built from. */
export function markServed(scope: string, window: TrendingWindow, served: Computation): void {
  const windows = windowsOf(scope);
  if (isOlder(windows[window] ?? NONE, served))
    windows[window] = { generation: served.generation, computedAt: served.computedAt };
}

/** An invalidation made through this isolate: nothing below `generation` is served from now on. */
export function observeGeneration(scope: string, window: TrendingWindow, generation: number): void {
  markServed(scope, window, { generation, computedAt: 0 });
}

import type { TrendingWindow } from '@openvine/trending-core';

/**
 * The highest generation this isolate has seen per (key scope, window): from any layer's value
 * and from invalidations made through it. A cached value of a lower generation is never served.
 * Isolates that have not seen an invalidation learn it from the next value they read below the
 * edge (within the edge's 30 s freshness); see docs/architecture.md ("Invalidation").
 */
const floors = new Map<string, number>();

export function generationFloor(scope: string, window: TrendingWindow): number {
  return floors.get(`${scope}${window}`) ?? 0;
}

export function observeGeneration(scope: string, window: TrendingWindow, generation: number): void {
  const key = `${scope}${window}`;
  if (generation > (floors.get(key) ?? 0)) floors.set(key, generation);
}

import { freshness, isOlder, TTL_POLICY } from '@openvine/trending-core';
import { toCachedBody } from './cached-body.ts';
import { newestServed } from './generations.ts';
import { isolateMemory } from './isolate-memory.ts';
import type { Layer, LayerHit, LayerRequest } from './layer.ts';
import { servedSnapshots } from './served-snapshots.ts';

/**
 * Layer 0: this isolate's memory. The read's own serialized answer (isolate-memory.ts), else a
 * slice of the window's newest snapshot held here (served-snapshots.ts), which is what answers
 * when this read's own answer is older than one already served for the window. Fresh for 5 s
 * from when stored; a stale copy is the last resort when every layer below fails.
 */
export const memoryLayer: Layer = {
  name: 'memory',
  label: 'HIT-MEMORY',
  budgetMs: () => undefined,
  stale: 'last-resort',

  read(request: LayerRequest): LayerHit | undefined {
    const newest = newestServed(request.scope.keys, request.window);
    const own = isolateMemory.get(request.key, newest);
    if (own?.fresh) return { computation: own.entry, fresh: true, body: own.entry };
    const held = servedSnapshots.get(request.scope.keys, request.window);
    const state = held && freshness(held.heldAt, held.snapshot.computedAt, TTL_POLICY.memory.freshMs);
    const usable = held && state !== 'expired' && !isOlder(held.snapshot, newest) ? held.snapshot : undefined;
    if (usable && state === 'fresh') {
      // Kept as this read's own entry, so that the next one is a plain memory hit.
      const body = toCachedBody(usable, request.format, request.limit);
      isolateMemory.set(request.key, body);
      return { computation: usable, fresh: true, body };
    }
    if (own) return { computation: own.entry, fresh: false, body: own.entry };
    if (usable) return { computation: usable, fresh: false, snapshot: usable, complete: true };
    return undefined;
  },

  fill(request, answer) {
    if (answer.snapshot) servedSnapshots.offer(request.scope.keys, answer.snapshot, answer.complete ?? false);
    // A stale answer (from the edge) is not kept: memory holds what is fresh.
    if (answer.fresh) isolateMemory.set(request.key, answer.body);
  },

  drop(request) {
    isolateMemory.delete(request.key);
    servedSnapshots.drop(request.scope.keys, request.window);
  },
};

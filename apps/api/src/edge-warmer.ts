import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  type EdgeWarmerRpc,
  edgeCacheUrl,
  isOlder,
  type ReadTarget,
  type TrendingSnapshot,
} from '@openvine/trending-core';
import { toCachedBody } from './cascade/cached-body.ts';
import { edgeCache } from './cascade/edge-cache.ts';
import { edgeWindowCache } from './cascade/edge-window-cache.ts';
import { newestServed } from './cascade/generations.ts';
import type { ApiEnv } from './env.ts';

/**
 * Lets the precompute Worker fill the edge cache. The Cache API is per zone and per data center:
 * entries written by the precompute Worker itself would never be seen by the api's requests, so
 * precompute calls this entrypoint of the api Worker over a service binding, and the writes land
 * in the api's cache of the data center the run happens in. Its contract is trending-core's
 * EdgeWarmerRpc (precompute cannot depend on this package: it is a dependency of it).
 */
export class EdgeWarmer extends WorkerEntrypoint<ApiEnv> implements EdgeWarmerRpc {
  /**
   * Writes each target's entry from its window's snapshot and returns the targets written, in
   * their order. A fence: a target is skipped when the edge already holds a newer copy, or when
   * this isolate has seen a newer generation of the window (an invalidation it took, whose purge
   * left nothing to compare with), so that a writer holding an older generation never replaces
   * a newer one where it can see it.
   */
  async warm(targets: ReadTarget[], snapshots: TrendingSnapshot[], scope = ''): Promise<ReadTarget[]> {
    const byWindow = new Map(snapshots.map((s) => [s.window, s]));
    const written = new Set<ReadTarget>();
    await Promise.all(
      targets.map(async (target) => {
        const snapshot = byWindow.get(target.window);
        if (!snapshot || snapshot.generation < newestServed(scope, target.window).generation) return;
        const url = edgeCacheUrl(target.format, target.window, target.limit, scope);
        const held = await edgeCache.get(url);
        held?.drop();
        if (held && isOlder(snapshot, held)) return;
        await edgeCache.put(url, toCachedBody(snapshot, target.format, target.limit), scope);
        written.add(target);
      }),
    );
    await Promise.all(snapshots.map((snapshot) => this.warmWindow(snapshot, scope)));
    return targets.filter((target) => written.has(target));
  }

  /** The window's snapshot beside its reads' entries (edge-window-cache.ts), under the same fence. */
  private async warmWindow(snapshot: TrendingSnapshot, scope: string): Promise<void> {
    if (snapshot.generation < newestServed(scope, snapshot.window).generation) return;
    const held = await edgeWindowCache.get(scope, snapshot.window);
    if (held && isOlder(snapshot, held.snapshot)) return;
    await edgeWindowCache.put(scope, snapshot);
  }
}

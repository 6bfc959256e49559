import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  type EdgeWarmerRpc,
  edgeCacheUrl,
  type ReadTarget,
  type TrendingSnapshot,
} from '@openvine/trending-core';
import { toCachedBody } from './cascade/cached-body.ts';
import { edgeCache } from './cascade/edge-cache.ts';
import type { ApiEnv } from './env.ts';

/**
 * Lets the precompute Worker fill the edge cache. The Cache API is per zone and per data center:
 * entries written by the precompute Worker itself would never be seen by the api's requests, so
 * precompute calls this entrypoint of the api Worker over a service binding, and the writes land
 * in the api's cache of the data center the run happens in. Its contract is trending-core's
 * EdgeWarmerRpc (precompute cannot depend on this package: it is a dependency of it).
 */
export class EdgeWarmer extends WorkerEntrypoint<ApiEnv> implements EdgeWarmerRpc {
  async warm(targets: ReadTarget[], snapshots: TrendingSnapshot[], scope = ''): Promise<number> {
    const byWindow = new Map(snapshots.map((s) => [s.window, s]));
    let written = 0;
    await Promise.all(
      targets.map(async (target) => {
        const snapshot = byWindow.get(target.window);
        if (!snapshot) return;
        const url = edgeCacheUrl(target.format, target.window, target.limit, scope);
        await edgeCache.put(url, toCachedBody(snapshot, target.format, target.limit));
        written += 1;
      }),
    );
    return written;
  }
}

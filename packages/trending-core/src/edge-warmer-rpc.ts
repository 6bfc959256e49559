import type { ReadTarget } from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';

/**
 * The api Worker's `EdgeWarmer` entrypoint as the precompute Worker calls it (its `API` service
 * binding): writes `snapshots` into the api's edge cache for `targets` and returns the targets
 * written, in their order (a target is skipped where the edge holds a newer copy: the fence). Declared here rather
 * than imported from apps/api, because the api depends on precompute (its RPC types, its bundle
 * under test), so precompute cannot depend on the api; the api's class implements this
 * interface, so the two cannot drift apart.
 */
export interface EdgeWarmerRpc {
  warm(targets: ReadTarget[], snapshots: TrendingSnapshot[], scope?: string): Promise<ReadTarget[]>;
}

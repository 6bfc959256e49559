import type { TrendingAggregator } from '@openvine/aggregator';

/** The precompute Worker's bindings (explicit: the api type-checks this source with its own Env). */
export interface PrecomputeEnv {
  AGGREGATOR: DurableObjectNamespace<TrendingAggregator>;
  TRENDING_KV: KVNamespace;
}

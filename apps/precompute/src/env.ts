import type { MetricsAggregator, TrendingAggregator } from '@openvine/aggregator';
// A type-only import across apps (a package dependency would be circular: the api binds to us).
import type { EdgeWarmer } from '../../api/src/edge-warmer.ts';

/** The precompute Worker's bindings (explicit: the api type-checks this source with its own Env). */
export interface PrecomputeEnv {
  AGGREGATOR: DurableObjectNamespace<TrendingAggregator>;
  METRICS: DurableObjectNamespace<MetricsAggregator>;
  TRENDING_METRICS: AnalyticsEngineDataset;
  TRENDING_KV: KVNamespace;
  API: Service<EdgeWarmer>;
}

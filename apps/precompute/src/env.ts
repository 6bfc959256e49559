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
  /** The record (Analytics Engine SQL API) for checkRecord: account id, token, dataset, endpoint. */
  AE_ACCOUNT_ID?: string;
  AE_API_TOKEN?: string;
  AE_VIEW_DATASET?: string;
  AE_SQL_ENDPOINT?: string;
}

import type { MetricsAggregator } from './metrics-aggregator.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

/**
 * The aggregator's own bindings. Declared here rather than taken from the global `Env`, because
 * the api and precompute programs type-check this source against their own `Env`.
 */
export interface AggregatorEnv {
  AGGREGATOR: DurableObjectNamespace<TrendingAggregator>;
  METRICS: DurableObjectNamespace<MetricsAggregator>;
  /** The production record of view events (dataset `openvine_view_events`): see view-record.ts. */
  VIEW_EVENTS: AnalyticsEngineDataset;
}

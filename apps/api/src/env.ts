import type { MetricsAggregator, TrendingAggregator } from '@openvine/aggregator';
import type PrecomputeEntrypoint from '@openvine/precompute';

/** The api's bindings, declared explicitly so that other Workers' sources type-check against their own. */
export interface ApiEnv {
  AGGREGATOR: DurableObjectNamespace<TrendingAggregator>;
  METRICS: DurableObjectNamespace<MetricsAggregator>;
  PRECOMPUTE: Service<PrecomputeEntrypoint>;
  TRENDING_KV: KVNamespace;
  TRENDING_METRICS: AnalyticsEngineDataset;
  /** Per-client ingest rate (ratelimits in wrangler.jsonc); absent: ingest is not limited. */
  INGEST_LIMITER?: RateLimit;
  ADMIN_TOKEN?: string;
  /** The HMAC secret of viewer and network keys (keyed-digest.ts); unset: ingest answers 503. */
  VIEWER_KEY_SECRET?: string;
  /** The aggregator object to use (aggregator-name.ts); unset: the production one. */
  AGGREGATOR_NAME?: string;
  /** Layer budgets in ms (vars in wrangler.jsonc; defaults in trending-core's LAYER_BUDGETS_MS). */
  EDGE_BUDGET_MS?: string;
  DO_BUDGET_MS?: string;
  KV_BUDGET_MS?: string;
  COMPUTE_BUDGET_MS?: string;
  /** Cache layers switched off, comma separated (memory, edge, do, kv): for measurement and triage. */
  LAYERS_OFF?: string;
  /** "1" turns response metrics off (to measure what recording costs). */
  METRICS_OFF?: string;
  /** How often an isolate sends its metrics batch to the metrics object (ms; default 5000). */
  METRICS_FLUSH_MS?: string;
  /** How often an isolate sends its read counts to the aggregator (ms; default 10000). */
  ACCESS_FLUSH_MS?: string;
}

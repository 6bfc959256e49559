export type { AggregatorEnv } from './env.ts';
export type {
  LayerSummary,
  MetricsPoint,
  MetricsSpan,
  MetricsSummary,
  PrecomputeRunMetrics,
} from './metrics-aggregator.ts';
export { MetricsAggregator } from './metrics-aggregator.ts';
export type { AccessCount } from './ops-state.ts';
export type { IngestOutcome } from './rollups.ts';
export type {
  AggregatorStats,
  InvalidationResult,
  InvalidationTarget,
  ModerationResult,
  SnapshotRead,
} from './trending-aggregator.ts';
export { TrendingAggregator } from './trending-aggregator.ts';

/** No public surface: the Durable Object is reached only through bindings. */
export default {
  async fetch(): Promise<Response> {
    return Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 });
  },
} satisfies ExportedHandler;

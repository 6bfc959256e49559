export type { DeadLetterInput } from './dead-letter-store.ts';
export { DeadLetterStore } from './dead-letter-store.ts';
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

import type { AggregatorEnv } from './env.ts';
import { handleQueue } from './queue-handler.ts';

/**
 * No public surface: the Durable Objects are reached only through bindings. The queue handler
 * consumes the ingest queue and its dead letters (queue-handler.ts).
 */
export default {
  async fetch(): Promise<Response> {
    return Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 });
  },
  async queue(batch, env): Promise<void> {
    await handleQueue(batch, env);
  },
} satisfies ExportedHandler<AggregatorEnv>;

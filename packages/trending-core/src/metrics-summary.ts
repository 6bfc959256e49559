import * as v from 'valibot';
import { SERVED_BY, type ServedBy } from './metrics.ts';
import { CountSchema } from './response-schemas.ts';

/**
 * `GET /v1/metrics` as JSON: the metrics object's summary (apps/aggregator's MetricsAggregator),
 * as valibot schemas the types are inferred from and the OpenAPI document is generated from.
 */

const Count = CountSchema;
/** A latency percentile in ms; null when the layer answered nothing in the span. */
const Percentile = v.nullable(v.number());

function perLayerSchema<T extends v.GenericSchema>(item: T) {
  return v.object(Object.fromEntries(SERVED_BY.map((layer) => [layer, item])) as Record<ServedBy, T>);
}

export const PrecomputeRunMetricsSchema = v.object({
  at: Count,
  durationMs: v.number(),
  rowsScanned: Count,
  keysWritten: Count,
  windows: v.array(
    v.object({ window: v.string(), computeMs: v.number(), rowsScanned: Count, kvKeys: Count }),
  ),
});
export type PrecomputeRunMetrics = v.InferOutput<typeof PrecomputeRunMetricsSchema>;

export const LayerSummarySchema = v.object({
  count: Count,
  /** Share of all responses in the span served by this layer. */
  ratio: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  p50: Percentile,
  p95: Percentile,
  p99: Percentile,
});
export type LayerSummary = v.InferOutput<typeof LayerSummarySchema>;

export const MetricsSpanSchema = v.object({
  requests: Count,
  memory_hits: Count,
  edge_hits: Count,
  edge_misses: Count,
  do_hits: Count,
  kv_hits: Count,
  kv_misses: Count,
  computes: Count,
  compute_ms: v.number(),
  stale_served: Count,
  errors: Count,
  layers: perLayerSchema(LayerSummarySchema),
});
export type MetricsSpan = v.InferOutput<typeof MetricsSpanSchema>;

export const MetricsPointSchema = v.object({
  minute: Count,
  requests: Count,
  computes: Count,
  /** Responses per layer in this minute. */
  count: perLayerSchema(Count),
  p50: perLayerSchema(Percentile),
  p95: perLayerSchema(Percentile),
  p99: perLayerSchema(Percentile),
});
export type MetricsPoint = v.InferOutput<typeof MetricsPointSchema>;

export const MetricsSummarySchema = v.object({
  now: Count,
  last5m: MetricsSpanSchema,
  last1h: MetricsSpanSchema,
  /** One point per minute of the last hour that had traffic, oldest first. */
  series: v.array(MetricsPointSchema),
  runs: v.array(PrecomputeRunMetricsSchema),
});
export type MetricsSummary = v.InferOutput<typeof MetricsSummarySchema>;

import { AGGREGATOR_OBJECT_NAME, metricsObjectFor } from '@openvine/trending-core';
import type { ApiEnv } from './env.ts';

/**
 * The aggregator object this api reads and writes, by name: the AGGREGATOR_NAME var, else the
 * production object. Another deployment (a staging instance, a benchmark's api) names its own;
 * the name also scopes every cache key derived from the object (trending-core's keyScope), so two
 * names never share a cached list.
 */
export function aggregatorName(env: Pick<ApiEnv, 'AGGREGATOR_NAME'>): string {
  return env.AGGREGATOR_NAME || AGGREGATOR_OBJECT_NAME;
}

/** The metrics object that belongs to the aggregator (trending-core's metricsObjectFor). */
export function metricsName(env: Pick<ApiEnv, 'AGGREGATOR_NAME'>): string {
  return metricsObjectFor(aggregatorName(env));
}

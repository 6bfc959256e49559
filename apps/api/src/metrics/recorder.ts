import { foldSamples, INTERVALS, type ResponseSample, toMetricsDataPoint } from '@openvine/trending-core';
import type { ApiEnv } from '../env.ts';
import { IsolateBatch, msFromVar } from '../isolate-batch.ts';

export function metricsStub(env: Pick<ApiEnv, 'METRICS'>, name: string) {
  return env.METRICS.get(env.METRICS.idFromName(name));
}

const batch = new IsolateBatch<ResponseSample & { at: number }, ApiEnv>('metrics', (env, name, samples) =>
  metricsStub(env, name).record(foldSamples(samples)),
);

/**
 * Records one response: a data point to the Analytics Engine metrics dataset (production sink;
 * writeDataPoint does not block), and a sample folded with the isolate's others into
 * per-minute rows that reach the metrics Durable Object in one call every METRICS_FLUSH_MS:
 * never a Durable Object round trip per request, never on the response path.
 */
export function recordResponse(
  env: ApiEnv,
  ctx: ExecutionContext,
  metricsName: string,
  sample: ResponseSample,
): void {
  if (env.METRICS_OFF === '1') return;
  try {
    env.TRENDING_METRICS.writeDataPoint(toMetricsDataPoint(sample));
  } catch (err) {
    // Measuring must never cost the answer: a refused point is logged, the response goes out.
    console.warn(`metrics point not written: ${err instanceof Error ? err.message : String(err)}`);
  }
  batch.add(
    env,
    ctx,
    metricsName,
    { ...sample, at: Date.now() },
    msFromVar(env.METRICS_FLUSH_MS, INTERVALS.metricsFlushMs),
  );
}

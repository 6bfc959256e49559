import type { MetricsSpan } from '@openvine/aggregator';
import { SERVED_BY } from '@openvine/trending-core';
import * as v from 'valibot';
import { metricsName } from '../aggregator-name.ts';
import type { ApiEnv } from '../env.ts';
import { metricsStub } from '../metrics/recorder.ts';

const COUNTERS = [
  'requests',
  'memory_hits',
  'edge_hits',
  'edge_misses',
  'do_hits',
  'kv_hits',
  'kv_misses',
  'computes',
  'compute_ms',
  'stale_served',
  'errors',
] as const;

/** The same numbers in Prometheus text format: gauges over a trailing span (`span` label). */
function prometheus(spans: Record<string, MetricsSpan>): string {
  const lines: string[] = [];
  for (const counter of COUNTERS) {
    lines.push(`# HELP openvine_trending_${counter} ${counter.replaceAll('_', ' ')} over the trailing span`);
    lines.push(`# TYPE openvine_trending_${counter} gauge`);
    for (const [span, m] of Object.entries(spans))
      lines.push(`openvine_trending_${counter}{span="${span}"} ${m[counter]}`);
  }
  lines.push('# HELP openvine_trending_hit_ratio share of responses served by each layer');
  lines.push('# TYPE openvine_trending_hit_ratio gauge');
  for (const [span, m] of Object.entries(spans)) {
    for (const layer of SERVED_BY) {
      lines.push(`openvine_trending_hit_ratio{span="${span}",layer="${layer}"} ${m.layers[layer].ratio}`);
    }
  }
  lines.push(
    '# HELP openvine_trending_response_ms response time percentiles per layer (histogram-interpolated)',
  );
  lines.push('# TYPE openvine_trending_response_ms gauge');
  for (const [span, m] of Object.entries(spans)) {
    for (const layer of SERVED_BY) {
      for (const [q, key] of [
        ['0.5', 'p50'],
        ['0.95', 'p95'],
        ['0.99', 'p99'],
      ] as const) {
        const value = m.layers[layer][key];
        if (value !== null) {
          lines.push(
            `openvine_trending_response_ms{span="${span}",layer="${layer}",quantile="${q}"} ${value}`,
          );
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The query of GET /v1/metrics as documented: any format but prometheus answers JSON. */
export const MetricsQuerySchema = v.object({ format: v.optional(v.picklist(['json', 'prometheus'])) });

/** GET /v1/metrics (JSON) and ?format=prometheus: per-layer hits, ratios, percentiles, computes. */
export async function getMetrics(request: Request, env: ApiEnv): Promise<Response> {
  const summary = await metricsStub(env, metricsName(env)).summary();
  const format = new URL(request.url).searchParams.get('format');
  if (format === 'prometheus') {
    return new Response(prometheus({ '5m': summary.last5m, '1h': summary.last1h }), {
      headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  return Response.json(summary, { headers: { 'Cache-Control': 'no-store' } });
}

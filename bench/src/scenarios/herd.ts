// The thundering herd: many concurrent requests on a cold window must cost exactly one computation.
import type { TrendingWindow } from '../../../packages/trending-core/src/windows.ts';
import { type LoadResult, percentiles } from '../load.ts';
import { demoEvents, postEvents, postVideos, untilSeenKeys } from '../seed.ts';
import type { Target } from '../stack.ts';
import { status } from './api-probes.ts';
import type { Run } from './context.ts';
import { TRENDING_PATH } from './layers.ts';

export interface HerdResult {
  requests: number;
  window: TrendingWindow;
  computations: number;
  statuses: Record<string, number>;
  distinctBodies: number;
  layers: Record<string, number>;
  latencyMs: LoadResult['latencyMs'];
  note: string;
}

/**
 * N concurrent requests on a cold window: a fresh aggregator (a little demo data, nothing computed
 * yet, nothing in any cache), asked through two api isolates at once (one with every layer on,
 * one with every layer off), so both the api's in-isolate collapsing and the aggregator's single
 * flight are exercised. Computations are counted through GET /v1/admin/status.
 */
export async function herd(run: Run): Promise<HerdResult> {
  const done = run.progress.step(
    `thundering herd: ${run.config.herdSize} concurrent requests on a cold window`,
  );
  const aggregator = `bench-herd-${Date.now()}`;
  const window: TrendingWindow = '24h';
  const { videos, events } = demoEvents(2_000, 11);
  await postVideos(run.stack.url['trending-api-seams'], videos, { aggregator, concurrency: 4 });
  await postEvents(run.stack.url['trending-api-seams'], events, {
    aggregator,
    concurrency: 4,
    ingestKey: run.stack.ingestKey,
  });
  await untilSeenKeys(run.stack.url['trending-api-seams'], events.length, aggregator);
  const before = await status(run, aggregator);
  const targets: Target[] = ['trending-api-seams', 'trending-api-cold'];
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: run.config.herdSize }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`${run.stack.url[targets[i % 2] ?? 'trending-api-seams']}${TRENDING_PATH}`, {
        headers: { 'x-test-aggregator': aggregator },
      });
      const body = await res.text();
      return {
        status: res.status,
        body,
        ms: performance.now() - t0,
        layer: res.headers.get('x-cache') ?? '-',
      };
    }),
  );
  const wallMs = performance.now() - started;
  const after = await status(run, aggregator);
  const computations = after[window].computations - before[window].computations;
  const statuses: Record<string, number> = {};
  const layers: Record<string, number> = {};
  for (const r of responses) {
    statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
    layers[r.layer] = (layers[r.layer] ?? 0) + 1;
  }
  const distinctBodies = new Set(responses.map((r) => r.body)).size;
  if (computations !== 1)
    run.failures.push(`herd: ${computations} computations for one cold window (expected 1)`);
  if (statuses['200'] !== responses.length) run.failures.push(`herd: statuses ${JSON.stringify(statuses)}`);
  if (distinctBodies !== 1) run.failures.push(`herd: ${distinctBodies} different bodies (expected 1)`);
  done(
    `${computations} computation(s), ${statuses['200'] ?? 0}/${responses.length} × 200 in ${wallMs.toFixed(0)} ms`,
  );
  return {
    requests: responses.length,
    window,
    computations,
    statuses,
    distinctBodies,
    layers,
    latencyMs: percentiles(responses.map((r) => r.ms)),
    note: 'half through an api with every layer on, half through one with every layer off',
  };
}

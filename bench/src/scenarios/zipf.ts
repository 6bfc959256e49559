// Mixed traffic: requests over windows × limits drawn from a Zipf distribution, precompute running.
import { seededRandom, zipfWeights } from '../../../packages/trending-core/src/demo-data.ts';
import type { TrendingWindow } from '../../../packages/trending-core/src/windows.ts';
import { type LoadResult, measure } from '../load.ts';
import { fmt, type Run, sleep } from './context.ts';
import { TRENDING_PATH } from './layers.ts';

const ZIPF_WINDOWS: TrendingWindow[] = ['24h', '1h', '7d'];
const ZIPF_LIMITS = [20, 10, 50, 100, 5, 25, 30, 15, 40, 60];

/** The (window, limit) keys ranked by popularity: the diagonal order of the two lists above. */
export function zipfKeys(): string[] {
  const keys = ZIPF_WINDOWS.flatMap((w, wi) =>
    ZIPF_LIMITS.map((l, li) => ({ w, l, rank: wi + li + wi * 0.1 })),
  );
  return keys.sort((a, b) => a.rank - b.rank).map(({ w, l }) => `/v1/trending/videos?window=${w}&limit=${l}`);
}

export function zipfSequence(count: number, s: number, seed = 7): string[] {
  const keys = zipfKeys();
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of zipfWeights(keys.length, s)) {
    acc += w;
    cumulative.push(acc);
  }
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const r = next();
    const index = cumulative.findIndex((c) => c >= r);
    return keys[index < 0 ? keys.length - 1 : index] ?? keys[0] ?? TRENDING_PATH;
  });
}

export interface ZipfResult {
  requests: number;
  keys: number;
  s: number;
  rps: number;
  latencyMs: LoadResult['latencyMs'];
  statuses: Record<string, number>;
  layers: Record<string, number>;
  shares: Record<string, number>;
  stale: number;
  fastShare: number;
  cronRuns: number;
}

/**
 * 20,000 requests over windows × limits drawn from Zipf(s = 1.1) against the api with every
 * layer on, while precompute runs (its cron, called every few seconds, plus the aggregator's own
 * 30 s alarm). Every request counts: there is no warm-up, the mix is the point.
 */
export async function zipf(run: Run): Promise<ZipfResult> {
  const count = run.config.zipfRequests;
  const done = run.progress.step(`mixed Zipf traffic: ${fmt(count)} requests, s = 1.1, precompute running`);
  const sequence = zipfSequence(count, 1.1);
  let cursor = 0;
  let cronRuns = 0;
  let running = true;
  const cron = (async () => {
    while (running) {
      await run.stack.runCron();
      cronRuns += 1;
      for (let t = 0; t < 50 && running; t++) await sleep(100);
    }
  })();
  const result = await measure({
    url: run.stack.url['trending-api'],
    path: sequence[0] ?? TRENDING_PATH,
    connections: run.config.connections,
    durationS: 0,
    warmupS: 0,
    amount: count,
    nextPath: () => sequence[cursor++ % sequence.length] ?? TRENDING_PATH,
  });
  running = false;
  await cron;
  const shares = Object.fromEntries(Object.entries(result.layers).map(([k, v]) => [k, v / result.requests]));
  const fastShare = (shares['HIT-MEMORY'] ?? 0) + (shares['HIT-EDGE'] ?? 0) + (shares['HIT-DO'] ?? 0);
  const non200 = result.requests - (result.statuses['200'] ?? 0);
  if (non200 > 0)
    run.failures.push(`zipf: ${non200} responses other than 200 (${JSON.stringify(result.statuses)})`);
  done(
    `${fmt(result.rps)} req/s  p99 ${result.latencyMs.p99.toFixed(2)} ms  ${(fastShare * 100).toFixed(2)}% memory/edge/DO`,
  );
  return {
    requests: result.requests,
    keys: zipfKeys().length,
    s: 1.1,
    rps: result.rps,
    latencyMs: result.latencyMs,
    statuses: result.statuses,
    layers: result.layers,
    shares,
    stale: result.stale,
    fastShare,
    cronRuns,
  };
}

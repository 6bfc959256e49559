// What clients ask for: (format, window, limit) keys with Zipf popularity, built from the bench's
// own Zipf workload (scenarios/zipf.ts) so the simulation and `pnpm bench` rank keys alike.

import { zipfKeys } from '../scenarios/zipf.ts';
import {
  canonicalKey,
  kvReadKey,
  kvTopKey,
  RESPONSE_FORMATS,
  type ResponseFormat,
  type TrendingWindow,
  WINDOWS,
} from './policy.ts';
import { zipfWeights } from './random.ts';

export interface ReadKey {
  format: ResponseFormat;
  window: TrendingWindow;
  limit: number;
  /** trending-core's canonical key: what isolate memory and the edge hold one entry per. */
  canonical: string;
  /** The KV key this read looks up (`pre:{window}:{limit}` or `top:{window}`). */
  kvKey: string;
  /** Whether that KV value is the window's whole top 100 (it then refills memory's held snapshot). */
  kvComplete: boolean;
  /** Share of all requests (the keys' shares sum to 1). */
  share: number;
}

/** The bench's (window, limit) keys, most requested first (parsed back from its request paths). */
export function benchWindowLimits(): { window: TrendingWindow; limit: number }[] {
  return zipfKeys().map((path) => {
    const query = new URL(path, 'https://bench.invalid').searchParams;
    return { window: query.get('window') as TrendingWindow, limit: Number(query.get('limit')) };
  });
}

/**
 * The app's own format first (the real app calls /analytics/trending/vines), then /v1, then the
 * app's group trends: the order formats are ranked in when they are crossed with the bench's keys.
 */
const FORMAT_POPULARITY: readonly ResponseFormat[] = ['vines', 'v1', 'hashtags', 'creators'];

function readKey(format: ResponseFormat, window: TrendingWindow, limit: number, share: number): ReadKey {
  const kvKey = kvReadKey(window, limit);
  return {
    format,
    window,
    limit,
    canonical: canonicalKey(format, window, limit),
    kvKey,
    kvComplete: kvKey === kvTopKey(window),
    share,
  };
}

/**
 * Zipf(`s`) over `formats` × the bench's windows × limits. Ranks cross the two orders diagonally,
 * as the bench does for windows × limits: the n-th format costs as much rank as the n-th limit.
 */
export function zipfReadKeys(s: number, formats: readonly ResponseFormat[] = FORMAT_POPULARITY): ReadKey[] {
  const pairs = benchWindowLimits();
  const ranked = formats
    .flatMap((format, fi) => pairs.map((pair, pi) => ({ format, ...pair, rank: pi + fi + fi * 0.01 })))
    .sort((a, b) => a.rank - b.rank);
  const weights = zipfWeights(ranked.length, s);
  return ranked.map((k, i) => readKey(k.format, k.window, k.limit, weights[i] ?? 0));
}

/** Every format is one trending-core knows, and the windows are its windows (guards a drift). */
export function checkKeys(keys: readonly ReadKey[]): void {
  for (const key of keys) {
    if (!RESPONSE_FORMATS.includes(key.format)) throw new Error(`unknown format ${key.format}`);
    if (!WINDOWS.includes(key.window)) throw new Error(`unknown window ${key.window}`);
  }
}

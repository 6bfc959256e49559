/**
 * The metrics schema shared by the api (which records), the metrics Durable Object (which
 * aggregates per minute) and the dashboard (which charts): one sample per response, folded into
 * per-minute, per-layer counters and fixed-bucket latency histograms, so that a batch from an
 * isolate and a day of minutes are both small and merge by addition.
 */

import { isPrecomputedLimit } from './keys.ts';

/** Where a response came from. `error`: no layer could answer (or the request failed). */
export const SERVED_BY = ['memory', 'edge', 'do', 'kv', 'compute', 'error'] as const;
export type ServedBy = (typeof SERVED_BY)[number];

/** Latency histogram bucket upper bounds (ms); the last bucket is everything above. */
export const LATENCY_BOUNDS_MS = [
  0.25, 0.5, 1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000,
] as const;
export const HISTOGRAM_SIZE = LATENCY_BOUNDS_MS.length + 1;

export interface ResponseSample {
  servedBy: ServedBy;
  /** Served a stale copy while refreshing (X-Cache ends in ", STALE"). */
  stale: boolean;
  status: number;
  totalMs: number;
  /** Time spent in the layer that answered. */
  layerMs: number;
  /** Set when this response computed from the source. */
  computeMs?: number;
  /** Layers tried before the answer and missed (for edge_misses, kv_misses). */
  missed: readonly ('edge' | 'kv')[];
  window: string;
  /** A precomputed limit (10, 20, 50, 100) or "other": bounded cardinality. */
  limitBucket: string;
  colo: string;
}

/** One minute of one layer, additive. */
export interface LayerMinute {
  minute: number;
  servedBy: ServedBy;
  count: number;
  stale: number;
  errors: number;
  computes: number;
  computeMsSum: number;
  edgeMisses: number;
  kvMisses: number;
  totalMsSum: number;
  histogram: number[];
}

export function emptyHistogram(): number[] {
  return new Array<number>(HISTOGRAM_SIZE).fill(0);
}

export function bucketOf(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    if (ms <= (LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY)) return i;
  }
  return LATENCY_BOUNDS_MS.length;
}

/** The metrics' limit label: the precomputed limits each have their own, every other is "other". */
export function limitBucket(limit: number): string {
  return isPrecomputedLimit(limit) ? String(limit) : 'other';
}

/** Folds samples into per-minute, per-layer rows (what an isolate sends in one batch). */
export function foldSamples(samples: readonly (ResponseSample & { at: number })[]): LayerMinute[] {
  const rows = new Map<string, LayerMinute>();
  for (const s of samples) {
    const minute = Math.floor(s.at / 60_000) * 60_000;
    const key = `${minute}:${s.servedBy}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        minute,
        servedBy: s.servedBy,
        count: 0,
        stale: 0,
        errors: 0,
        computes: 0,
        computeMsSum: 0,
        edgeMisses: 0,
        kvMisses: 0,
        totalMsSum: 0,
        histogram: emptyHistogram(),
      };
      rows.set(key, row);
    }
    row.count += 1;
    if (s.stale) row.stale += 1;
    if (s.status >= 500) row.errors += 1;
    if (s.computeMs !== undefined) {
      row.computes += 1;
      row.computeMsSum += s.computeMs;
    }
    if (s.missed.includes('edge')) row.edgeMisses += 1;
    if (s.missed.includes('kv')) row.kvMisses += 1;
    row.totalMsSum += s.totalMs;
    const b = bucketOf(s.totalMs);
    row.histogram[b] = (row.histogram[b] ?? 0) + 1;
  }
  return [...rows.values()];
}

export function mergeHistograms(target: number[], source: readonly number[]): number[] {
  for (let i = 0; i < HISTOGRAM_SIZE; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
  return target;
}

/**
 * A percentile from a histogram, interpolated linearly inside the bucket that holds it: exact
 * to within one bucket's width (the bounds above), which is what a fixed-size histogram allows.
 */
export function percentile(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[i] ?? lower * 2;
      return lower + ((rank - seen) / n) * (upper - lower);
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? null;
}

/**
 * Analytics Engine layout of one response sample (dataset `openvine_trending_metrics`),
 * index1 = servedBy (so sampling keeps layers comparable).
 * blobs:   1 servedBy, 2 window, 3 limitBucket, 4 colo, 5 stale ("1"/"0"), 6 status class ("2xx")
 * doubles: 1 totalMs, 2 layerMs, 3 computeMs (0 when none), 4 status
 */
export function toMetricsDataPoint(s: ResponseSample): {
  indexes: string[];
  blobs: string[];
  doubles: number[];
} {
  return {
    indexes: [s.servedBy],
    blobs: [
      s.servedBy,
      s.window,
      s.limitBucket,
      s.colo,
      s.stale ? '1' : '0',
      `${Math.floor(s.status / 100)}xx`,
    ],
    doubles: [s.totalMs, s.layerMs, s.computeMs ?? 0, s.status],
  };
}

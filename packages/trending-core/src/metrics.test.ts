import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  emptyHistogram,
  foldSamples,
  HISTOGRAM_SIZE,
  LATENCY_BOUNDS_MS,
  limitBucket,
  mergeHistograms,
  percentile,
  type ResponseSample,
  SERVED_BY,
  toMetricsDataPoint,
} from './metrics.ts';

/**
 * Every expected value here is worked out by hand from the bucket bounds (ms):
 *   bucket:  0     1    2  3  4  5   6   7   8   9    10   11   12    13    14    15
 *   upper:   0.25  0.5  1  2  5  10  20  30  50  100  200  500  1000  2000  5000  (above)
 * A percentile p of n samples has rank p/100 * n; inside the bucket that holds the rank it is
 * lower + (rank - seen before the bucket) / (samples in the bucket) * (upper - lower).
 */

/** A histogram with `count` samples in each listed bucket. */
function histogramOf(counts: Record<number, number>): number[] {
  const h = emptyHistogram();
  for (const [bucket, count] of Object.entries(counts)) h[Number(bucket)] = count;
  return h;
}

function sample(at: number, extra: Partial<ResponseSample> = {}): ResponseSample & { at: number } {
  return {
    at,
    servedBy: 'edge',
    stale: false,
    status: 200,
    totalMs: 3,
    layerMs: 2,
    missed: [],
    window: '24h',
    limitBucket: '20',
    colo: 'FRA',
    ...extra,
  };
}

// 2026-11-20 12:00:00 UTC, a whole minute; MINUTE is one minute in ms.
const T0 = 1_795_176_000_000;
const MINUTE = 60_000;

describe('histogram layout', () => {
  it('has 15 bounds and 16 buckets, the last for everything above 5000 ms', () => {
    expect([...LATENCY_BOUNDS_MS]).toEqual([
      0.25, 0.5, 1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000,
    ]);
    expect(HISTOGRAM_SIZE).toBe(16);
    expect(emptyHistogram()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('names the six layers a response can come from', () => {
    expect([...SERVED_BY]).toEqual(['memory', 'edge', 'do', 'kv', 'compute', 'error']);
  });

  it.each([
    [0, 0],
    [0.25, 0], // an upper bound belongs to its own bucket
    [0.26, 1],
    [1, 2],
    [1.5, 3],
    [5, 4],
    [5.01, 5],
    [49.9, 8],
    [5000, 14],
    [5000.1, 15],
    [3_600_000, 15],
  ])('puts %d ms in bucket %d', (ms, bucket) => {
    expect(bucketOf(ms)).toBe(bucket);
  });
});

describe('limitBucket', () => {
  it('keeps the precomputed limits and folds every other into "other"', () => {
    expect([10, 20, 50, 100].map(limitBucket)).toEqual(['10', '20', '50', '100']);
    expect([1, 11, 25, 99, 101].map(limitBucket)).toEqual(['other', 'other', 'other', 'other', 'other']);
  });
});

describe('percentile', () => {
  it('is null for an empty histogram', () => {
    expect(percentile(emptyHistogram(), 50)).toBeNull();
    expect(percentile([], 99)).toBeNull();
  });

  it('interpolates inside the bucket that holds the rank', () => {
    // 4 samples in bucket 3 (1..2 ms).
    const h = histogramOf({ 3: 4 });
    expect(percentile(h, 0)).toBe(1); // rank 0: the bucket's floor
    expect(percentile(h, 25)).toBe(1.25); // rank 1: 1 + 1/4 * (2 - 1)
    expect(percentile(h, 50)).toBe(1.5); // rank 2: 1 + 2/4 * 1
    expect(percentile(h, 100)).toBe(2); // rank 4: the bucket's ceiling
  });

  it('starts the first bucket at 0 ms', () => {
    // 2 samples in bucket 0 (0..0.25 ms): p50 has rank 1: 0 + 1/2 * 0.25.
    expect(percentile(histogramOf({ 0: 2 }), 50)).toBe(0.125);
  });

  it('skips empty buckets and counts the samples below the rank', () => {
    // 2 samples in bucket 0 (0..0.25), 2 in bucket 4 (2..5), nothing between.
    const h = histogramOf({ 0: 2, 4: 2 });
    expect(percentile(h, 50)).toBe(0.25); // rank 2 = all of bucket 0: its ceiling
    expect(percentile(h, 75)).toBe(3.5); // rank 3: 2 + (3 - 2)/2 * (5 - 2)
    expect(percentile(h, 100)).toBe(5); // rank 4: 2 + 2/2 * 3
  });

  it('gives p50, p95 and p99 of a realistic spread', () => {
    // 100 samples: 90 in bucket 2 (0.5..1), 8 in bucket 6 (10..20), 2 in bucket 9 (50..100).
    const h = histogramOf({ 2: 90, 6: 8, 9: 2 });
    expect(percentile(h, 50)).toBeCloseTo(0.7778, 4); // rank 50: 0.5 + 50/90 * 0.5 = 0.77777...
    expect(percentile(h, 95)).toBe(16.25); // rank 95: 10 + (95 - 90)/8 * 10
    expect(percentile(h, 99)).toBe(75); // rank 99: 50 + (99 - 98)/2 * 50
  });

  it('gives the open last bucket a width equal to its floor (5000..10000 ms)', () => {
    // 2 samples above 5000 ms: p50 has rank 1: 5000 + 1/2 * (10000 - 5000).
    expect(percentile(histogramOf({ 15: 2 }), 50)).toBe(7500);
  });

  it('answers the top bound for a p beyond 100 (no bucket reaches the rank)', () => {
    // rank 1.5 of 1 sample: never reached.
    expect(percentile(histogramOf({ 3: 1 }), 150)).toBe(5000);
  });
});

describe('foldSamples', () => {
  it('folds samples into one row per minute and layer, with every counter', () => {
    const rows = foldSamples([
      sample(T0 + 1_000, { totalMs: 0.2, missed: [] }),
      sample(T0 + 59_999, { totalMs: 12, stale: true, missed: ['edge'] }),
      sample(T0 + 30_000, {
        servedBy: 'compute',
        totalMs: 120,
        computeMs: 90,
        status: 503,
        missed: ['edge', 'kv'],
      }),
      sample(T0 + 30_000, { servedBy: 'compute', totalMs: 60, computeMs: 45, status: 499, missed: ['kv'] }),
      sample(T0 + MINUTE, { totalMs: 7000 }),
    ]);
    expect(rows).toEqual([
      {
        minute: T0,
        servedBy: 'edge',
        count: 2,
        stale: 1,
        errors: 0,
        computes: 0,
        computeMsSum: 0,
        edgeMisses: 1,
        kvMisses: 0,
        totalMsSum: 12.2, // 0.2 + 12
        // 0.2 ms in bucket 0, 12 ms in bucket 6 (10..20)
        histogram: [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
      {
        minute: T0,
        servedBy: 'compute',
        count: 2,
        stale: 0,
        errors: 1, // 503 is an error, 499 is not
        computes: 2,
        computeMsSum: 135, // 90 + 45
        edgeMisses: 1,
        kvMisses: 2,
        totalMsSum: 180, // 120 + 60
        // 120 ms in bucket 10 (100..200), 60 ms in bucket 9 (50..100)
        histogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
      },
      {
        minute: T0 + MINUTE,
        servedBy: 'edge',
        count: 1,
        stale: 0,
        errors: 0,
        computes: 0,
        computeMsSum: 0,
        edgeMisses: 0,
        kvMisses: 0,
        totalMsSum: 7000,
        histogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      },
    ]);
  });

  it('counts a 500 as an error', () => {
    expect(foldSamples([sample(T0, { status: 500 })])[0]?.errors).toBe(1);
  });

  it('folds nothing into no rows', () => {
    expect(foldSamples([])).toEqual([]);
  });
});

describe('mergeHistograms', () => {
  it('adds bucket by bucket into the target and returns it', () => {
    const target = histogramOf({ 0: 1, 3: 2 });
    const merged = mergeHistograms(target, histogramOf({ 3: 5, 15: 1 }));
    expect(merged).toBe(target);
    expect(merged).toEqual([1, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('treats a shorter source as zeros and fills a shorter target to 16 buckets', () => {
    expect(mergeHistograms(emptyHistogram(), [2, 1])).toEqual([
      2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(mergeHistograms([], [0, 0, 3])).toEqual([0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('folding two isolates gives the percentiles of their union', () => {
    // Isolate 1: 3 responses in bucket 3 (1..2 ms); isolate 2: 1 in bucket 8 (30..50 ms).
    const a = foldSamples([1.2, 1.5, 1.9].map((totalMs) => sample(T0, { totalMs })))[0]?.histogram ?? [];
    const b = foldSamples([sample(T0 + 5_000, { totalMs: 42 })])[0]?.histogram ?? [];
    const merged = mergeHistograms(emptyHistogram(), a);
    mergeHistograms(merged, b);
    expect(merged).toEqual([0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(percentile(merged, 50)).toBeCloseTo(1.6667, 4); // rank 2: 1 + 2/3 * 1
    expect(percentile(merged, 75)).toBe(2); // rank 3: 1 + 3/3 * 1
    expect(percentile(merged, 99)).toBeCloseTo(49.2, 9); // rank 3.96: 30 + 0.96/1 * 20
  });
});

describe('toMetricsDataPoint', () => {
  it('lays a sample out as index, blobs and doubles', () => {
    expect(
      toMetricsDataPoint({
        servedBy: 'kv',
        stale: true,
        status: 304,
        totalMs: 14.5,
        layerMs: 9,
        computeMs: 3,
        missed: ['edge'],
        window: '1h',
        limitBucket: 'other',
        colo: 'AMS',
      }),
    ).toEqual({
      indexes: ['kv'],
      blobs: ['kv', '1h', 'other', 'AMS', '1', '3xx'],
      doubles: [14.5, 9, 3, 304],
    });
  });

  it('writes 0 for a missing compute time and "0" for a fresh copy', () => {
    expect(toMetricsDataPoint({ ...sample(T0), status: 503 })).toEqual({
      indexes: ['edge'],
      blobs: ['edge', '24h', '20', 'FRA', '0', '5xx'],
      doubles: [3, 2, 0, 503],
    });
  });
});

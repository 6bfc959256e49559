/**
 * The three trending windows and how each is bucketed and decayed.
 * Half-lives follow the design: short enough that a burst outranks an old total,
 * shared by every video in a window so that relative order only moves when events arrive.
 */
export const WINDOWS = ['1h', '24h', '7d'] as const;
export type TrendingWindow = (typeof WINDOWS)[number];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface WindowSpec {
  /** How far back the window reaches. */
  durationMs: number;
  /** Rollup granularity the window is computed from. */
  bucket: 'minute' | 'hour';
  bucketMs: number;
  /** Exponential decay half-life applied to each bucket's views. */
  halfLifeMs: number;
  /**
   * The span before the window used to estimate "expected" views (rising beats big).
   * Zero: no baseline, no rising boost (7d has no older data kept to compare with).
   */
  baselineMs: number;
}

export const WINDOW_SPECS: Record<TrendingWindow, WindowSpec> = {
  '1h': {
    durationMs: HOUR_MS,
    bucket: 'minute',
    bucketMs: MINUTE_MS,
    halfLifeMs: 30 * MINUTE_MS,
    baselineMs: 24 * HOUR_MS,
  },
  '24h': {
    durationMs: DAY_MS,
    bucket: 'hour',
    bucketMs: HOUR_MS,
    halfLifeMs: 6 * HOUR_MS,
    baselineMs: 6 * DAY_MS,
  },
  '7d': { durationMs: 7 * DAY_MS, bucket: 'hour', bucketMs: HOUR_MS, halfLifeMs: 2 * DAY_MS, baselineMs: 0 },
};

/** Events older than this can no longer affect any window or baseline. */
export const RETENTION_MS = 7 * DAY_MS;

export function isTrendingWindow(value: unknown): value is TrendingWindow {
  return typeof value === 'string' && (WINDOWS as readonly string[]).includes(value);
}

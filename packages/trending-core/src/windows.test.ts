import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT, MAX_LIMIT, TTL_POLICY } from './ttl-policy.ts';
import { DAY_MS, HOUR_MS, isTrendingWindow, RETENTION_MS, WINDOW_SPECS, WINDOWS } from './windows.ts';

describe('windows', () => {
  it('are 1h, 24h and 7d', () => {
    expect([...WINDOWS]).toEqual(['1h', '24h', '7d']);
    expect(WINDOW_SPECS['1h'].durationMs).toBe(HOUR_MS);
    expect(WINDOW_SPECS['24h'].durationMs).toBe(DAY_MS);
    expect(WINDOW_SPECS['7d'].durationMs).toBe(7 * DAY_MS);
  });

  it('use per-minute buckets for 1h and per-hour buckets for 24h and 7d', () => {
    expect(WINDOW_SPECS['1h'].bucket).toBe('minute');
    expect(WINDOW_SPECS['24h'].bucket).toBe('hour');
    expect(WINDOW_SPECS['7d'].bucket).toBe('hour');
    for (const window of WINDOWS) {
      const spec = WINDOW_SPECS[window];
      expect(spec.durationMs % spec.bucketMs).toBe(0);
    }
  });

  it('keep every window and its baseline inside the 7-day retention', () => {
    for (const window of WINDOWS) {
      const spec = WINDOW_SPECS[window];
      expect(spec.durationMs + spec.baselineMs).toBeLessThanOrEqual(RETENTION_MS);
    }
  });

  it('recognise only the three window names', () => {
    for (const window of WINDOWS) expect(isTrendingWindow(window)).toBe(true);
    for (const value of ['2h', '1H', '', '24', 24, null, undefined])
      expect(isTrendingWindow(value)).toBe(false);
  });
});

describe('TTL policy', () => {
  it('defaults to 20 videos and caps at 100', () => {
    expect(DEFAULT_LIMIT).toBe(20);
    expect(MAX_LIMIT).toBe(100);
  });

  it('respects the platform minimum KV expirationTtl of 60 s', () => {
    expect(TTL_POLICY.kv.expirationTtlS).toBeGreaterThanOrEqual(60);
  });

  it('keeps the edge fresh for 30 s and stale for at most 300 s', () => {
    expect(TTL_POLICY.edge.freshMs).toBe(30_000);
    expect(TTL_POLICY.edge.staleMs).toBe(300_000);
    expect(TTL_POLICY.doSnapshot.refreshMs).toBe(30_000);
  });

  it('keeps isolate memory only a few seconds, shorter than the edge', () => {
    expect(TTL_POLICY.memory.freshMs).toBeLessThan(TTL_POLICY.edge.freshMs);
    expect(TTL_POLICY.memory.freshMs).toBeLessThanOrEqual(10_000);
  });
});

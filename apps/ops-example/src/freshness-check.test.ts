import { type TrendingWindow, TTL_POLICY, WINDOWS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { OpsExampleEnv } from './env.ts';
import {
  DEFAULT_LIMITS,
  type FreshnessStatus,
  refreshStaleWindows,
  staleWindows,
} from './freshness-check.ts';

const FRESH_MS = 1_000;

function status(
  snapshotAgeMs: Partial<Record<TrendingWindow, number | null>> = {},
  lastRunAgeS: number | null = 10,
): FreshnessStatus {
  const windows = Object.fromEntries(
    WINDOWS.map((w) => [w, { snapshotAgeMs: w in snapshotAgeMs ? (snapshotAgeMs[w] ?? null) : FRESH_MS }]),
  ) as FreshnessStatus['windows'];
  return { lastRunAgeS, windows };
}

describe('staleWindows', () => {
  it('is empty when every snapshot and the last run are fresh', () => {
    expect(staleWindows(status())).toEqual([]);
  });

  it('takes its limits from the TTL policy', () => {
    expect(DEFAULT_LIMITS.maxSnapshotAgeMs).toBe(TTL_POLICY.doSnapshot.maxServeMs);
    expect(DEFAULT_LIMITS.maxLastRunAgeMs).toBe(TTL_POLICY.kv.expirationTtlS * 500);
  });

  it('lists the windows whose snapshot is missing or older than the aggregator serves', () => {
    const max = TTL_POLICY.doSnapshot.maxServeMs;
    expect(staleWindows(status({ '24h': null }))).toEqual(['24h']);
    expect(staleWindows(status({ '1h': max + 1, '7d': max }))).toEqual(['1h']);
  });

  it('lists every window before the first run or when the last run is old', () => {
    expect(staleWindows(status({}, null))).toEqual([...WINDOWS]);
    const oldS = DEFAULT_LIMITS.maxLastRunAgeMs / 1000 + 1;
    expect(staleWindows(status({}, oldS))).toEqual([...WINDOWS]);
    expect(staleWindows(status({}, oldS - 2))).toEqual([]);
  });

  it('accepts other limits', () => {
    expect(
      staleWindows(status({ '1h': 5_000 }), { maxSnapshotAgeMs: 2_000, maxLastRunAgeMs: 60_000 }),
    ).toEqual(['1h']);
  });
});

describe('refreshStaleWindows', () => {
  /** A stand-in for the service binding that records what it was asked. */
  function fakePrecompute(current: FreshnessStatus) {
    const calls: unknown[] = [];
    const binding = {
      status: async () => current,
      precompute: async (options: unknown) => {
        calls.push(options);
        return { startedAt: 1, durationMs: 2, skipped: false, windows: [], warmed: [] };
      },
    } as unknown as OpsExampleEnv['PRECOMPUTE'];
    return { binding, calls };
  }

  it('precomputes only the stale windows', async () => {
    const { binding, calls } = fakePrecompute(status({ '7d': null }));
    expect(await refreshStaleWindows(binding)).toEqual({
      stale: ['7d'],
      run: { startedAt: 1, durationMs: 2, skipped: false },
    });
    expect(calls).toEqual([{ windows: ['7d'] }]);
  });

  it('does not call precompute when everything is fresh', async () => {
    const { binding, calls } = fakePrecompute(status());
    expect(await refreshStaleWindows(binding)).toEqual({ stale: [], run: null });
    expect(calls).toEqual([]);
  });
});

import { runInDurableObject } from 'cloudflare:test';
import { INTERVALS, LIMITS } from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageWarning } from './storage-budget.ts';
import { distinctViews, ingestAll, newStore, randomVideoId } from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the shard storage budget', () => {
  it('stats() reports the SQLite file size against the budget, growing with what is stored', async () => {
    const stub = newStore();
    const empty = (await stub.stats()).storage;
    expect(empty).toMatchObject({ budgetBytes: LIMITS.shardStorage.budgetBytes, overBudget: false });
    await ingestAll(stub, distinctViews(randomVideoId(), 1_000));
    const filled = (await stub.stats()).storage;
    expect(filled.bytes).toBe(
      await runInDurableObject(stub, (_i: TrendingAggregator, state) => state.storage.sql.databaseSize),
    );
    expect(filled.bytes).toBeGreaterThan(empty.bytes);
  });

  it('past the budget, warns ops once an hour (and refuses nothing: it only reports)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const warning = new StorageWarning();
    const budgetBytes = LIMITS.shardStorage.budgetBytes;
    const now = Date.now();
    warning.check({ bytes: budgetBytes, budgetBytes, overBudget: false }, now);
    expect(warn).not.toHaveBeenCalled();
    const over = { bytes: budgetBytes + 1, budgetBytes, overBudget: true };
    warning.check(over, now);
    warning.check(over, now + INTERVALS.storageWarningMs - 1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/over budget: 5000000001 of 5000000000 bytes/);
    warning.check(over, now + INTERVALS.storageWarningMs);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

import { LIMITS, TTL_POLICY } from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchSettled, newAggregator, postAudience, randomHex64, viewEnd } from '../testing.ts';
import { countedStats } from '../testing-faults.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('GET /v1/health', () => {
  it('costs the aggregator one stats call per isolate and period, however many health checks arrive', async () => {
    const aggregator = newAggregator();
    const { bindings, statsCalls } = countedStats();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start);
    const health = () => fetchSettled(aggregator, '/v1/health', { bindings });

    // A flood: 50 at once, then 20 more one after another, within the period.
    const flood = await Promise.all(Array.from({ length: 50 }, health));
    for (let i = 0; i < 20; i += 1) flood.push(await health());
    expect(flood.map((r) => r.res.status)).toEqual(Array(70).fill(200));
    expect(statsCalls()).toBe(1);
    expect(JSON.parse(flood[69]?.text ?? '{}')).toMatchObject({ status: 'ok', aggregator: { ok: true } });

    // The period over: the next check reads again, once, and sees what changed meanwhile.
    await postAudience(
      aggregator,
      Array.from({ length: 5 }, (_, i) => viewEnd(randomHex64(), `health-${i}`)),
    );
    vi.setSystemTime(start + TTL_POLICY.health.cacheMs);
    const later = await Promise.all(Array.from({ length: 10 }, health));
    expect(statsCalls()).toBe(2);
    const body = JSON.parse(later[0]?.text ?? '{}') as {
      aggregator: { rows: { videos: number }; ageMs: number };
    };
    expect(body.aggregator.rows.videos).toBe(5);
    expect(body.aggregator.ageMs).toBe(0);
  });

  it('reports the storage against the budget, and answers degraded (still 200) past it', async () => {
    const aggregator = newAggregator();
    const within = await fetchSettled(aggregator, '/v1/health');
    const storage = (JSON.parse(within.text) as { aggregator: { storage: Record<string, unknown> } })
      .aggregator.storage;
    expect(storage).toMatchObject({ budgetBytes: LIMITS.shardStorage.budgetBytes, overBudget: false });
    expect(storage.bytes).toBeGreaterThan(0);

    // The same store as it would answer past its budget (5 GB cannot be filled in a test).
    const over = newAggregator();
    const { bindings } = countedStats(undefined, (stats) => ({
      ...stats,
      storage: { ...stats.storage, bytes: stats.storage.budgetBytes + 1, overBudget: true },
    }));
    const answer = await fetchSettled(over, '/v1/health', { bindings });
    expect(answer.res.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      status: 'degraded',
      aggregator: { ok: true, storage: { overBudget: true } },
    });
  });
});

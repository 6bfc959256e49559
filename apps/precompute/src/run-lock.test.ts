import { describe, expect, it } from 'vitest';
import { aggregatorStub, ingestVideo, kvKeys, newAggregator, precompute } from './testing.ts';

describe('the run lock', () => {
  it('two overlapping runs: one is skipped and the work is done once', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator, 6);

    const [a, b] = await Promise.all([
      precompute.precompute({ aggregator }),
      precompute.precompute({ aggregator }),
    ]);

    const [skipped, ran] = a.skipped ? [a, b] : [b, a];
    expect([skipped.skipped, ran.skipped]).toEqual([true, false]);
    // The skipped run did nothing and reports nothing.
    expect(skipped).toMatchObject({ windows: [], warmed: [] });
    expect(ran.windows.map((w) => w.window)).toEqual(['1h', '24h', '7d']);
    // Once per window, not twice.
    expect((await aggregatorStub(aggregator).stats()).computations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    // The skipped run does not overwrite the last report.
    expect((await precompute.status({ aggregator })).lastRun).toEqual(ran);
    // Once the first run is over, the next one runs.
    expect((await precompute.precompute({ aggregator })).skipped).toBe(false);
    expect((await aggregatorStub(aggregator).stats()).computations).toEqual({ '1h': 2, '24h': 2, '7d': 2 });
  });

  it('a run while another run holds the lock does nothing; after its unlock the next one runs', async () => {
    const aggregator = newAggregator();
    const stub = aggregatorStub(aggregator);
    await ingestVideo(aggregator, 6);
    // Another run in progress, holding the lock for as long as precompute's own runs do (55 s).
    expect(await stub.tryLockRun('another-run', 55_000)).toBe(true);

    const run = await precompute.precompute({ aggregator });

    expect(run).toMatchObject({ skipped: true, windows: [], warmed: [] });
    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 0, '7d': 0 });
    expect(await kvKeys(`${aggregator}/`)).toEqual([]);
    expect((await precompute.status({ aggregator })).lastRun).toBeNull();

    await stub.unlockRun('another-run');
    expect((await precompute.precompute({ aggregator })).skipped).toBe(false);
    expect((await stub.stats()).computations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
  });

  it('the lock of a run that died expires after its ttl', async () => {
    const aggregator = newAggregator();
    const stub = aggregatorStub(aggregator);
    await ingestVideo(aggregator, 6);
    // A run took the lock with a 1 s ttl and died without unlocking (precompute's runs use 55 s,
    // which a test cannot wait for; the expiry rule is the same).
    const takenAt = Date.now();
    expect(await stub.tryLockRun('crashed-run', 1_000)).toBe(true);
    while (Date.now() - takenAt <= 1_100) await new Promise((resolve) => setTimeout(resolve, 50));

    const run = await precompute.precompute({ aggregator });

    expect(run.skipped).toBe(false);
    expect((await stub.stats()).computations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    expect(await kvKeys(`${aggregator}/top:`)).toEqual([
      `${aggregator}/top:1h`,
      `${aggregator}/top:24h`,
      `${aggregator}/top:7d`,
    ]);
  });
});

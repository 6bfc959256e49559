import { describe, expect, it } from 'vitest';
import { runInvalidate } from './invalidate.ts';
import { runPrecompute } from './precompute-run.ts';
import {
  aggregatorStub,
  aggregatorWatchingTheLock,
  bindings,
  ingestVideo,
  kvHoldingPuts,
  kvSnapshot,
  newAggregator,
} from './testing.ts';

const dayKeys = (scope: string) => [
  `${scope}top:24h`,
  `${scope}pre:24h:10`,
  `${scope}pre:24h:20`,
  `${scope}pre:24h:50`,
  `${scope}pre:24h:100`,
];

describe('invalidation and precompute runs', () => {
  it("a run holding the old generation cannot write it over the invalidation's", async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    await ingestVideo(aggregator, 6);
    // A run, paused just before its KV writes of 24h: it holds the run lock and 24h's snapshot
    // of generation 1.
    const paused = kvHoldingPuts(bindings.TRENDING_KV, (key) => dayKeys(scope).includes(key));
    const run = runPrecompute({ ...bindings, TRENDING_KV: paused.kv }, { aggregator });
    await paused.arrived;

    // The invalidation starts while the run is paused. Either it waits for the lock (and is
    // refused it at least once), or it goes ahead and is done: only then is the run let go.
    const watched = aggregatorWatchingTheLock(bindings.AGGREGATOR);
    const invalidation = runInvalidate(
      { ...bindings, AGGREGATOR: watched.namespace },
      { window: '24h' },
      aggregator,
    );
    await Promise.race([invalidation, watched.refused]);
    paused.release();
    const [ran, invalidated] = await Promise.all([run, invalidation]);

    // Whatever the order, KV ends with the invalidated generation in every key of 24h.
    for (const key of dayKeys(scope)) expect((await kvSnapshot(key))?.generation, key).toBe(2);
    expect((await aggregatorStub(aggregator).stats()).generations['24h']).toBe(2);
    expect(ran.windows.find((w) => w.window === '24h')?.generation).toBe(1);
    expect(invalidated).toMatchObject({ ok: true, windows: [{ window: '24h', generation: 2 }] });
  });

  it('while another run holds the lock past the wait: nothing is invalidated, and the answer says why', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    const stub = aggregatorStub(aggregator);
    await ingestVideo(aggregator, 6);
    await runPrecompute(bindings, { aggregator });
    // Another run in progress, holding the lock for as long as precompute's runs do (55 s).
    expect(await stub.tryLockRun('another-run', 55_000)).toBe(true);

    const refused = await runInvalidate(bindings, { window: '24h' }, aggregator, { lockWaitMs: 300 });

    expect((await stub.stats()).generations['24h']).toBe(1);
    for (const key of dayKeys(scope)) expect((await kvSnapshot(key))?.generation, key).toBe(1);
    expect(refused).toEqual({
      ok: false,
      reason: 'run_lock_busy',
      message: expect.stringContaining('nothing was invalidated'),
    });
    // The other run's lock was left alone: once it lets go, the invalidation goes through.
    expect(await stub.tryLockRun('another-run', 55_000)).toBe(true);
    await stub.unlockRun('another-run');
    expect(await runInvalidate(bindings, { window: '24h' }, aggregator, { lockWaitMs: 300 })).toMatchObject({
      ok: true,
      windows: [{ window: '24h', generation: 2, kvKeys: dayKeys(scope), kvFailed: [] }],
    });
    // ...and it released the lock: the next run runs.
    expect((await runPrecompute(bindings, { aggregator })).skipped).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { runInvalidate } from './invalidate.ts';
import { runPrecompute } from './precompute-run.ts';
import {
  aggregatorRecordingLockOwners,
  aggregatorStub,
  aggregatorWatchingTheLock,
  bindings,
  ingestVideo,
  kvHoldingPuts,
  kvKeys,
  kvSnapshot,
  newAggregator,
  RUN_KEYS,
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

  it('a run whose lock expired and was taken (and released) writes no further window and warms nothing', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    const stub = aggregatorStub(aggregator);
    await ingestVideo(aggregator, 6);
    // A run paused in its first window's KV writes (1h) for longer than its lock lasts.
    const hourKeys = RUN_KEYS.filter((key) => key.includes(':1h')).map((key) => `${scope}${key}`);
    // Clients asked for 1h and 7d: a run that kept its lock would warm both at the edge.
    await stub.recordAccess([
      { format: 'v1', window: '1h', limit: 10, count: 5 },
      { format: 'v1', window: '7d', limit: 10, count: 3 },
    ]);
    const paused = kvHoldingPuts(bindings.TRENDING_KV, (key) => hourKeys.includes(key));
    const recorded = aggregatorRecordingLockOwners(bindings.AGGREGATOR);
    const run = runPrecompute(
      { ...bindings, TRENDING_KV: paused.kv, AGGREGATOR: recorded.namespace },
      { aggregator },
    );
    await paused.arrived;
    // Its lock expires (dropped, as expiry leaves it), and an invalidation takes it, does its
    // work and releases it, all before the run goes on.
    const [runOwner] = recorded.owners;
    await stub.unlockRun(runOwner as string);
    expect(await stub.tryLockRun('invalidation', 55_000)).toBe(true);
    await stub.unlockRun('invalidation');
    paused.release();
    const report = await run;

    expect(report.error).toMatch(/run lock was taken/);
    expect(report.windows.map((w) => w.window)).toEqual(['1h']);
    expect(report.warmed).toEqual([]);
    for (const window of ['24h', '7d']) expect(await kvKeys(`${scope}top:${window}`)).toEqual([]);
    // The run did not take the lock back: it is free.
    expect(await stub.tryLockRun('someone-else', 55_000)).toBe(true);
    await stub.unlockRun('someone-else');
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

import { createExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import PrecomputeEntrypoint from './index.ts';
import { runPrecompute } from './precompute-run.ts';
import { bindings, ingestVideo, kvSnapshot, newAggregator, precompute } from './testing.ts';

describe('status()', () => {
  it('before any run: no last run, generation 1, no snapshot, nothing computed', async () => {
    const aggregator = newAggregator();
    const status = await precompute.status({ aggregator });
    expect(status).toEqual({
      now: expect.any(Number),
      lastRun: null,
      lastRunAgeS: null,
      nextCronAt: expect.any(Number),
      windows: {
        '1h': { generation: 1, snapshotAgeMs: null, computations: 0, refreshFailures: 0 },
        '24h': { generation: 1, snapshotAgeMs: null, computations: 0, refreshFailures: 0 },
        '7d': { generation: 1, snapshotAgeMs: null, computations: 0, refreshFailures: 0 },
      },
      lastAlarmAt: null,
      alarmFailures: { prune: 0, lastAt: null },
      // An empty store: its schema's pages, far inside the budget.
      storage: { bytes: expect.any(Number), budgetBytes: 5_000_000_000, overBudget: false },
      // No relay bridge configured for this aggregator.
      relays: [],
    });
    // The cron is `* * * * *`: the next run is at the next whole minute, at most a minute away.
    expect(status.nextCronAt % 60_000).toBe(0);
    expect(status.nextCronAt).toBeGreaterThan(status.now);
    expect(status.nextCronAt - status.now).toBeLessThanOrEqual(60_000);
  });

  it('after a run: that run as the last one, one computation per window', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator, 6);
    const report = await precompute.precompute({ aggregator });

    const status = await precompute.status({ aggregator });
    expect(status.lastRun).toEqual(report);
    expect(status.lastRunAgeS).toBeGreaterThanOrEqual(0);
    expect(status.lastRunAgeS).toBeLessThan(60);
    for (const window of ['1h', '24h', '7d'] as const) {
      expect(status.windows[window]).toEqual({
        generation: 1,
        snapshotAgeMs: expect.any(Number),
        computations: 1,
        refreshFailures: 0,
      });
    }
  });
});

describe('precompute()', () => {
  it('is a finished run when the metrics dataset refuses its point: its keys are written and status says ok', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    await ingestVideo(aggregator, 6);
    const refusing = {
      writeDataPoint() {
        throw new Error('Analytics Engine unavailable');
      },
    };
    const report = await runPrecompute({ ...bindings, TRENDING_METRICS: refusing }, { aggregator });
    expect(report.error).toBeUndefined();
    expect(report.windows.map((w) => w.window).sort()).toEqual(['1h', '24h', '7d']);
    expect((await kvSnapshot(`${scope}top:24h`))?.generation).toBe(1);
    const { lastRun } = await precompute.status({ aggregator });
    expect(lastRun?.error).toBeUndefined();
    expect(lastRun?.windows).toHaveLength(3);
  });
});

describe('invalidate()', () => {
  it('bumps the targeted windows and overwrites their KV entries with the new generation', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    await ingestVideo(aggregator, 6);
    await precompute.precompute({ aggregator });

    expect(await precompute.invalidate({ window: '24h' }, { aggregator })).toEqual({
      ok: true,
      windows: [
        {
          window: '24h',
          generation: 2,
          kvKeys: [
            `${scope}top:24h`,
            `${scope}pre:24h:10`,
            `${scope}pre:24h:20`,
            `${scope}pre:24h:50`,
            `${scope}pre:24h:100`,
          ],
          kvFailed: [],
        },
      ],
    });
    expect((await kvSnapshot(`${scope}pre:24h:20`))?.generation).toBe(2);
    expect((await kvSnapshot(`${scope}pre:1h:20`))?.generation).toBe(1);

    // All windows: 1h 1 -> 2, 24h 2 -> 3, 7d 1 -> 2.
    const all = await precompute.invalidate({ all: true }, { aggregator });
    if (!all.ok) throw new Error(all.message);
    expect(all.windows.map((w) => [w.window, w.generation, w.kvKeys.length])).toEqual([
      ['1h', 2, 5],
      ['24h', 3, 5],
      ['7d', 2, 5],
    ]);
    for (const [window, generation] of [
      ['1h', 2],
      ['24h', 3],
      ['7d', 2],
    ] as const) {
      expect((await kvSnapshot(`${scope}top:${window}`))?.generation).toBe(generation);
      expect((await precompute.status({ aggregator })).windows[window].generation).toBe(generation);
    }
  });
});

describe('bad input from an RPC caller (it skips the api checks)', () => {
  // The entrypoint's methods called as its RPC callers' calls run them. A rejection that crosses
  // Workers in the test runtime also reaches vitest as an unhandled one (workers-sdk#14736); the
  // aggregator's own check is in its suite (trending-aggregator.test.ts, "invalidation").
  const entrypoint = new PrecomputeEntrypoint(createExecutionContext(), bindings);

  it('is refused with an error naming it, and nothing is stored', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator, 6);
    for (const target of [{ window: 'bogus' }, {}, { videoId: 'ABC' }, { window: '24h', all: true }]) {
      await expect(entrypoint.invalidate(target as never, { aggregator })).rejects.toThrow(
        /invalid invalidation target/,
      );
    }
    for (const windows of [['1w'], [], '24h']) {
      await expect(entrypoint.precompute({ aggregator, windows: windows as never })).rejects.toThrow(
        /invalid windows/,
      );
    }
    await expect(entrypoint.explain('not-a-video', '24h', { aggregator })).rejects.toThrow(/invalid videoId/);
    await expect(entrypoint.explain('a'.repeat(64), '2h' as never, { aggregator })).rejects.toThrow(
      /invalid window/,
    );
    await expect(entrypoint.checkRecord('2h' as never, { aggregator })).rejects.toThrow(/invalid window/);

    const status = await precompute.status({ aggregator });
    expect(status.lastRun).toBeNull();
    expect(Object.keys(status.windows)).toEqual(['1h', '24h', '7d']);
    for (const window of ['1h', '24h', '7d'] as const) {
      expect(status.windows[window]).toMatchObject({ generation: 1, computations: 0 });
    }
    // What it accepts still runs: a window, and an uppercase id (the same video, compared lowercase).
    expect(await entrypoint.invalidate({ videoId: 'A'.repeat(64) }, { aggregator })).toMatchObject({
      ok: true,
    });
    expect((await entrypoint.precompute({ aggregator, windows: ['1h'] })).windows).toHaveLength(1);
  });
});

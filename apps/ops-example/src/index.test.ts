import { env, exports } from 'cloudflare:workers';
import { WINDOWS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, refreshStaleWindows } from './freshness-check.ts';

// Precompute (and the aggregator and api behind it) run as real Workers beside this one.
/**
 * The plugin's `exports.default` runs the default export's handler in this Worker's runtime and
 * passes the argument on as the controller; its type (a Fetcher) omits `scheduled`.
 */
const worker = exports.default as unknown as {
  scheduled(controller: Pick<ScheduledController, 'cron' | 'scheduledTime'>): Promise<void>;
};

/** Runs this Worker's cron; a handler that throws rejects here. */
const runCron = () => worker.scheduled({ cron: '*/5 * * * *', scheduledTime: Date.now() });

/**
 * A fresh aggregator object for one test: the check reads and precomputes it over the real
 * service binding, so no test sees another's runs.
 */
const newAggregator = () => `test-${crypto.randomUUID()}`;

describe('the freshness check over the precompute service binding', () => {
  it('has every window precomputed when there are no snapshots yet', async () => {
    const aggregator = newAggregator();
    const before = await env.PRECOMPUTE.status({ aggregator });
    expect(before.lastRun).toBeNull();
    for (const window of WINDOWS) expect(before.windows[window].snapshotAgeMs).toBeNull();

    const report = await refreshStaleWindows(env.PRECOMPUTE, DEFAULT_LIMITS, { aggregator });

    expect(report.stale).toEqual(['1h', '24h', '7d']);
    expect(report.run?.skipped).toBe(false);
    const after = await env.PRECOMPUTE.status({ aggregator });
    expect(after.lastRun?.startedAt).toBe(report.run?.startedAt);
    // The run went all the way through precompute, including the api's EdgeWarmer.
    expect(after.lastRun?.warmError).toBeUndefined();
    expect(after.lastRun?.windows.map((w) => w.window)).toEqual(['1h', '24h', '7d']);
    for (const window of WINDOWS) {
      expect(after.windows[window].snapshotAgeMs).not.toBeNull();
      expect(after.windows[window].computations).toBe(1);
    }
  });

  it('does nothing when the snapshots are fresh', async () => {
    const aggregator = newAggregator();
    const run = await env.PRECOMPUTE.precompute({ aggregator });
    expect(run.skipped).toBe(false);
    const before = await env.PRECOMPUTE.status({ aggregator });

    expect(await refreshStaleWindows(env.PRECOMPUTE, DEFAULT_LIMITS, { aggregator })).toEqual({
      stale: [],
      run: null,
    });

    const after = await env.PRECOMPUTE.status({ aggregator });
    expect(after.lastRun?.startedAt).toBe(run.startedAt);
    for (const window of WINDOWS) {
      expect(after.windows[window].generation).toBe(before.windows[window].generation);
      expect(after.windows[window].computations).toBe(before.windows[window].computations);
    }
  });
});

describe('the scheduled freshness check', () => {
  // The cron takes no options: it checks the production aggregator object, which no other test
  // in this project touches (so the order tests run in does not matter).
  it('precomputes every window of the production aggregator at first, then nothing while fresh', async () => {
    const before = await env.PRECOMPUTE.status();
    expect(before.lastRun).toBeNull();
    for (const window of WINDOWS) expect(before.windows[window].snapshotAgeMs).toBeNull();

    await runCron();

    const after = await env.PRECOMPUTE.status();
    expect(after.lastRun?.skipped).toBe(false);
    expect(after.lastRun?.warmError).toBeUndefined();
    expect(after.lastRun?.windows.map((w) => w.window)).toEqual(['1h', '24h', '7d']);
    for (const window of WINDOWS) {
      expect(after.windows[window].snapshotAgeMs).not.toBeNull();
      expect(after.windows[window].computations).toBe(1);
    }

    // Every snapshot is fresh now: the next check runs nothing.
    await runCron();

    const again = await env.PRECOMPUTE.status();
    expect(again.lastRun?.startedAt).toBe(after.lastRun?.startedAt);
    for (const window of WINDOWS) {
      expect(again.windows[window].generation).toBe(after.windows[window].generation);
      expect(again.windows[window].computations).toBe(1);
    }
  });
});

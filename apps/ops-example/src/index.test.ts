import { env, exports } from 'cloudflare:workers';
import { WINDOWS } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';

// Precompute (and the aggregator and api behind it) run as real Workers beside this one, with the
// production aggregator object; the storage is fresh on every test run.
/**
 * The plugin's `exports.default` runs the default export's handler in this Worker's runtime and
 * passes the argument on as the controller; its type (a Fetcher) omits `scheduled`.
 */
const worker = exports.default as unknown as {
  scheduled(controller: Pick<ScheduledController, 'cron' | 'scheduledTime'>): Promise<void>;
};

/** Runs this Worker's cron; a handler that throws rejects here. */
const runCron = () => worker.scheduled({ cron: '*/5 * * * *', scheduledTime: Date.now() });

describe('the scheduled freshness check', () => {
  it('has every window precomputed when there are no snapshots yet', async () => {
    const before = await env.PRECOMPUTE.status();
    expect(before.lastRun).toBeNull();
    for (const window of WINDOWS) expect(before.windows[window].snapshotAgeMs).toBeNull();

    await runCron();

    const after = await env.PRECOMPUTE.status();
    expect(after.lastRun?.skipped).toBe(false);
    // The run went all the way through precompute, including the api's EdgeWarmer.
    expect(after.lastRun?.warmError).toBeUndefined();
    expect(after.lastRun?.windows.map((w) => w.window).sort()).toEqual([...WINDOWS].sort());
    for (const window of WINDOWS) expect(after.windows[window].snapshotAgeMs).not.toBeNull();
  });

  it('does nothing when the snapshots are fresh', async () => {
    const run = await env.PRECOMPUTE.precompute();
    expect(run.skipped).toBe(false);
    const before = await env.PRECOMPUTE.status();

    await runCron();

    const after = await env.PRECOMPUTE.status();
    expect(after.lastRun?.startedAt).toBe(run.startedAt);
    for (const window of WINDOWS) {
      expect(after.windows[window].generation).toBe(before.windows[window].generation);
      expect(after.windows[window].computations).toBe(before.windows[window].computations);
    }
  });
});

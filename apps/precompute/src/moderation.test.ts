import { describe, expect, it } from 'vitest';
import { runModeration } from './moderation.ts';
import { runPrecompute } from './precompute-run.ts';
import { aggregatorStub, bindings, ingestVideo, kvSnapshot, newAggregator } from './testing.ts';

// This project configures no purge token or zone (local development's case): the purge of every
// data center is skipped, and the report says so. The purge itself is tested from the api's side
// (apps/api/src/routes/moderation.test.ts) against a stand-in of Cloudflare's purge API.

describe('moderate (precompute RPC)', () => {
  it('without a purge token: applies the change, rewrites KV, and reports the purge skipped', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    const videoId = await ingestVideo(aggregator, 6);
    await runPrecompute(bindings, { aggregator });
    expect((await kvSnapshot(`${scope}top:24h`))?.videos.map((v) => v.videoId)).toEqual([videoId]);

    const outcome = await runModeration(
      bindings,
      { kind: 'video', value: videoId, reason: 'spam', action: 'hide' },
      aggregator,
    );

    expect(outcome).toMatchObject({
      ok: true,
      entry: { kind: 'video', value: videoId, action: 'hide', reason: 'spam', changed: true },
      edgePurge: {
        status: 'skipped',
        tags: [`${scope}trending-1h`, `${scope}trending-24h`, `${scope}trending-7d`],
        message: expect.stringContaining('No purge configured'),
      },
    });
    const top = await kvSnapshot(`${scope}top:24h`);
    expect(top?.generation).toBe(2);
    expect(top?.videos).toEqual([]);
  });

  it('while a precompute run holds the lock past the wait: nothing changes, and the answer says why', async () => {
    const aggregator = newAggregator();
    const stub = aggregatorStub(aggregator);
    const videoId = await ingestVideo(aggregator, 6);
    expect(await stub.tryLockRun('another-run', 55_000)).toBe(true);

    const refused = await runModeration(
      bindings,
      { kind: 'video', value: videoId, reason: 'spam', action: 'hide' },
      aggregator,
      { lockWaitMs: 300 },
    );

    expect(refused).toEqual({
      ok: false,
      reason: 'run_lock_busy',
      message: expect.stringContaining('nothing was changed'),
    });
    expect(await stub.moderationList()).toEqual({ hidden: [], audit: [] });
    expect((await stub.stats()).generations['24h']).toBe(1);
    await stub.unlockRun('another-run');
  });
});

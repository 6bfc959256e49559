import { describe, expect, it } from 'vitest';
import { runPrecompute } from './precompute-run.ts';
import {
  aggregatorStub,
  bindings,
  ingestVideo,
  kvKeys,
  kvSnapshot,
  newAggregator,
  precompute,
  RUN_KEYS,
} from './testing.ts';

/** Twelve videos with 16, 15, ..., 5 distinct viewers, ingested best first; returns their ids. */
async function twelveVideos(aggregator: string): Promise<string[]> {
  const ids: string[] = [];
  for (let viewers = 16; viewers >= 5; viewers--) ids.push(await ingestVideo(aggregator, viewers));
  return ids;
}

describe('what a run writes', () => {
  it('exactly the top and precomputed KV keys of each window, each the snapshot of its generation', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    const ranked = await twelveVideos(aggregator);
    // An invalidation in the aggregator alone (not through precompute, so KV holds nothing yet)
    // moves 24h to generation 2; 1h and 7d stay at 1.
    await aggregatorStub(aggregator).invalidate({ window: '24h' });

    const report = await precompute.precompute({ aggregator });

    const keysOf = (w: string) => [
      `${scope}top:${w}`,
      `${scope}pre:${w}:10`,
      `${scope}pre:${w}:20`,
      `${scope}pre:${w}:50`,
      `${scope}pre:${w}:100`,
    ];
    expect(report).toMatchObject({ skipped: false, warmed: expect.any(Array) });
    expect(report.error).toBeUndefined();
    expect(report.windows).toEqual([
      { window: '1h', generation: 1, videos: 12, computeMs: expect.any(Number), kvKeys: keysOf('1h') },
      { window: '24h', generation: 2, videos: 12, computeMs: expect.any(Number), kvKeys: keysOf('24h') },
      { window: '7d', generation: 1, videos: 12, computeMs: expect.any(Number), kvKeys: keysOf('7d') },
    ]);
    // No more, no less: 3 windows x (1 top + 4 limits) = 15 keys.
    expect(await kvKeys(scope)).toEqual(RUN_KEYS.map((k) => `${scope}${k}`));
    for (const [window, generation] of [
      ['1h', 1],
      ['24h', 2],
      ['7d', 1],
    ] as const) {
      for (const [key, videos] of [
        [`top:${window}`, 12],
        [`pre:${window}:10`, 10],
        [`pre:${window}:20`, 12],
        [`pre:${window}:50`, 12],
        [`pre:${window}:100`, 12],
      ] as const) {
        const snapshot = await kvSnapshot(`${scope}${key}`);
        expect(snapshot, key).toMatchObject({ window, generation, computedAt: expect.any(Number) });
        expect(
          snapshot?.videos.map((v) => v.videoId),
          key,
        ).toEqual(ranked.slice(0, videos));
      }
    }
  });

  it('reports a key KV refused, still computes, writes and warms the other windows, and releases the lock', async () => {
    // A scope of 502 characters: 1h's longest key (`pre:1h:100`, 10 more) is 512 bytes, KV's
    // limit; 24h's `pre:24h:100` is 513 and KV refuses it, in the run's second window.
    const aggregator = newAggregator().padEnd(501, 'x');
    const scope = `${aggregator}/`;
    expect(`${scope}pre:1h:100`).toHaveLength(512);
    const ranked = await twelveVideos(aggregator);

    // The run itself, as precompute() and the cron call it.
    const report = await runPrecompute(bindings, { aggregator });

    expect(report.error).toMatch(/24h: 1 KV write failed: .*exceeds key length limit of 512/);
    expect(report.failed).toBeUndefined();
    const { lastRun } = await precompute.status({ aggregator });
    expect(lastRun?.skipped).toBe(false);
    expect(lastRun?.error).toBe(report.error);
    // 24h's refused key is named; 1h before it and 7d after it are computed, reported and written.
    expect(lastRun?.windows.map((w) => [w.window, w.kvKeys.length, w.kvFailed?.map((f) => f.key)])).toEqual([
      ['1h', 5, undefined],
      ['24h', 4, [`${scope}pre:24h:100`]],
      ['7d', 5, undefined],
    ]);
    for (const window of ['1h', '7d'])
      for (const key of [`top:${window}`, `pre:${window}:100`]) {
        expect(
          (await kvSnapshot(`${scope}${key}`))?.videos.map((v) => v.videoId),
          key,
        ).toEqual(ranked);
      }

    // The lock was released: the next run (of the windows that fit) runs.
    const next = await precompute.precompute({ aggregator, windows: ['7d'] });
    expect(next.skipped).toBe(false);
    expect(next.failed).toBeUndefined();
  });

  it('never replaces a KV entry of a newer generation: another writer got there first', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    const ranked = await twelveVideos(aggregator);
    // 24h's top list as a writer of a newer generation left it (an invalidation, say: 5 > 1).
    const newer = { window: '24h', generation: 5, computedAt: Date.now(), computeMs: 1, videos: [] };
    await bindings.TRENDING_KV.put(`${scope}top:24h`, JSON.stringify(newer), { expirationTtl: 300 });

    const report = await precompute.precompute({ aggregator });

    expect(await kvSnapshot(`${scope}top:24h`)).toEqual(newer);
    expect(report.windows.find((w) => w.window === '24h')).toMatchObject({
      generation: 1,
      kvKeys: [`${scope}pre:24h:10`, `${scope}pre:24h:20`, `${scope}pre:24h:50`, `${scope}pre:24h:100`],
      kvSuperseded: [`${scope}top:24h`],
    });
    // The keys that held nothing newer have the run's generation 1.
    expect(await kvSnapshot(`${scope}pre:24h:100`)).toMatchObject({ generation: 1 });
    expect((await kvSnapshot(`${scope}top:1h`))?.videos.map((v) => v.videoId)).toEqual(ranked);
  });
});

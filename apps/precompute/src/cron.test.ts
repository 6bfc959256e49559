import { AGGREGATOR_OBJECT_NAME } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  aggregatorStub,
  edgeEntry,
  ingestVideo,
  kvKeys,
  kvSnapshot,
  precompute,
  RUN_KEYS,
  runCron,
} from './testing.ts';

// The cron takes no options: it runs against the production aggregator object, whose KV and edge
// keys have no scope prefix. This is the only test in this project that touches that object.
const PRODUCTION = AGGREGATOR_OBJECT_NAME;

describe('the every-minute cron', () => {
  it('computes each window once and writes KV, the aggregator memory and the edge, best first', async () => {
    // Twelve videos with 16, 15, ..., 5 distinct viewers: they rank in that order in every window.
    const viewers = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5];
    const ranked: string[] = [];
    for (const n of viewers) ranked.push(await ingestVideo(PRODUCTION, n));
    // Four viewers are one short of ranking at all.
    const unranked = await ingestVideo(PRODUCTION, 4);
    const stub = aggregatorStub(PRODUCTION);
    expect((await stub.stats()).computations).toEqual({ '1h': 0, '24h': 0, '7d': 0 });

    await runCron();

    // One computation per window (not one per limit), held as the aggregator's memory snapshot.
    const stats = await stub.stats();
    expect(stats.computations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    expect(stats.generations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    for (const window of ['1h', '24h', '7d'] as const) {
      const memory = await stub.peek(window);
      expect(memory?.videos.map((v) => v.videoId)).toEqual(ranked);
    }

    // KV: exactly `top:{window}` and `pre:{window}:{limit}` for limits 10, 20, 50, 100.
    expect([...(await kvKeys('pre:')), ...(await kvKeys('top:'))]).toEqual(RUN_KEYS);
    for (const window of ['1h', '24h', '7d'] as const) {
      const top = await kvSnapshot(`top:${window}`);
      expect(top).toMatchObject({ window, generation: 1 });
      expect(top?.videos.map((v) => v.videoId)).toEqual(ranked);
      expect(top?.videos.map((v) => v.uniqueViewers)).toEqual(viewers);
      expect(top?.videos.map((v) => v.videoId)).not.toContain(unranked);
      // pre:{window}:10 is the first ten of the twelve; 20, 50 and 100 hold all twelve.
      expect((await kvSnapshot(`pre:${window}:10`))?.videos.map((v) => v.videoId)).toEqual(
        ranked.slice(0, 10),
      );
      for (const limit of [20, 50, 100]) {
        const pre = await kvSnapshot(`pre:${window}:${limit}`);
        expect(pre).toMatchObject({ window, generation: 1 });
        expect(pre?.videos.map((v) => v.videoId)).toEqual(ranked);
      }
      // The edge, written through the api's EdgeWarmer: the body a client gets.
      for (const limit of [10, 20, 50, 100]) {
        const entry = await edgeEntry('v1', window, limit, '');
        expect(entry?.generation).toBe(1);
        expect(entry?.body).toMatchObject({ window, limit });
        const body = entry?.body as { videos: { videoId: string }[] };
        expect(body.videos.map((v) => v.videoId)).toEqual(ranked.slice(0, limit));
      }
    }

    // The run is what status() reports as the last one.
    const status = await precompute.status();
    expect(status.lastRun).toMatchObject({ skipped: false, warmed: expect.any(Array) });
    expect(status.lastRun?.error).toBeUndefined();
    expect(status.lastRun?.warmError).toBeUndefined();
    expect(status.lastRun?.windows.map((w) => [w.window, w.generation, w.videos])).toEqual([
      ['1h', 1, 12],
      ['24h', 1, 12],
      ['7d', 1, 12],
    ]);
  });
});

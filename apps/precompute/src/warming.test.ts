import type { AccessCount } from '@openvine/aggregator';
import { edgeCacheUrl, snapshotETag } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { aggregatorStub, edgeEntry, ingestVideo, newAggregator, precompute } from './testing.ts';

describe('warming order', () => {
  it('warms the most requested pairs first, then the precomputed limits of the busiest windows first', async () => {
    const aggregator = newAggregator();
    const stub = aggregatorStub(aggregator);
    await ingestVideo(aggregator, 6);
    // Read counts as api isolates send them, in two batches and in no particular order.
    // Totals: v1 24h 37 = 4 + 5 = 9; vines 7d 25 = 7; v1 1h 20 = 5; hashtags 24h 10 = 4; v1 7d 10 = 2.
    const first: AccessCount[] = [
      { format: 'v1', window: '7d', limit: 10, count: 2 },
      { format: 'v1', window: '24h', limit: 37, count: 4 },
      { format: 'v1', window: '1h', limit: 20, count: 5 },
    ];
    const second: AccessCount[] = [
      { format: 'hashtags', window: '24h', limit: 10, count: 4 },
      { format: 'vines', window: '7d', limit: 25, count: 7 },
      { format: 'v1', window: '24h', limit: 37, count: 5 },
    ];
    await stub.recordAccess(first);
    await stub.recordAccess(second);

    const report = await precompute.precompute({ aggregator });

    // Windows in the order of their most requested pair: 24h (9), 7d (7), 1h (5).
    expect(report.windows.map((w) => w.window)).toEqual(['24h', '7d', '1h']);
    expect(report.warmed).toEqual([
      // What clients asked for, most requested first.
      { format: 'v1', window: '24h', limit: 37 },
      { format: 'vines', window: '7d', limit: 25 },
      { format: 'v1', window: '1h', limit: 20 },
      { format: 'hashtags', window: '24h', limit: 10 },
      { format: 'v1', window: '7d', limit: 10 },
      // Then the precomputed v1 limits, window by window in the same order, without repeats.
      { format: 'v1', window: '24h', limit: 10 },
      { format: 'v1', window: '24h', limit: 20 },
      { format: 'v1', window: '24h', limit: 50 },
      { format: 'v1', window: '24h', limit: 100 },
      { format: 'v1', window: '7d', limit: 20 },
      { format: 'v1', window: '7d', limit: 50 },
      { format: 'v1', window: '7d', limit: 100 },
      { format: 'v1', window: '1h', limit: 10 },
      { format: 'v1', window: '1h', limit: 50 },
      { format: 'v1', window: '1h', limit: 100 },
    ]);
    // Each of them is at the edge; a pair nobody asked for outside the precomputed limits is not.
    for (const { format, window, limit } of report.warmed) {
      expect(
        await edgeEntry(format, window, limit, `${aggregator}/`),
        `${format} ${window} ${limit}`,
      ).not.toBeNull();
    }
    expect(await edgeEntry('vines', '1h', 25, `${aggregator}/`)).toBeNull();
    expect(await edgeEntry('v1', '24h', 36, `${aggregator}/`)).toBeNull();
  });

  it('never replaces an edge entry of a newer generation', async () => {
    const aggregator = newAggregator();
    const scope = `${aggregator}/`;
    await ingestVideo(aggregator, 6);
    // The api's edge entry of v1 24h 10 as a writer of a newer generation left it (5 > 1), with the
    // headers the api's edge cache writes and reads.
    const body = { planted: true };
    await caches.default.put(
      edgeCacheUrl('v1', '24h', 10, scope),
      new Response(JSON.stringify(body), {
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Cache-Control': 'public, max-age=300',
          ETag: snapshotETag({ window: '24h', generation: 5, computedAt: Date.now() }, 10, 'v1'),
          'x-trending-stored-at': String(Date.now()),
        },
      }),
    );

    const report = await precompute.precompute({ aggregator });

    expect(await edgeEntry('v1', '24h', 10, scope)).toEqual({ generation: 5, body });
    expect(await edgeEntry('v1', '24h', 20, scope)).toMatchObject({ generation: 1 });
    expect(report.warmed).not.toContainEqual({ format: 'v1', window: '24h', limit: 10 });
    expect(report.warmed).toContainEqual({ format: 'v1', window: '24h', limit: 20 });
  });
});

// One snapshot per window (issue 12, item 1): the app loads more by asking for a larger limit,
// so every limit and format of a window must be a slice of one computation, and a read never
// serves a computation older than one this isolate already served for the window. Before, a
// new #1 showed on the page read below the edge while the other limits, still fresh in memory
// or at the edge, kept the older list.
import { edgeCacheUrl, keyScope, type TrendingVideosResponse } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  generationOf,
  newAggregator,
  postAudience,
  randomHex64,
  refresh,
  until,
  viewEnd,
} from '../testing.ts';

const LIMITS = [10, 20, 50, 60, 100] as const;
const FORMATS = ['v1', 'vines'] as const;
type Format = (typeof FORMATS)[number];

const PATHS: Record<Format, (limit: number) => string> = {
  v1: (limit) => `/v1/trending/videos?window=1h&limit=${limit}`,
  vines: (limit) => `/analytics/trending/vines?window=1h&limit=${limit}`,
};

/** Fully watched views of `videoId` by `count` distinct viewers, each from its own network. */
async function views(aggregator: string, videoId: string, viewerPrefix: string, count: number) {
  const events = Array.from({ length: count }, (_, i) =>
    viewEnd(videoId, `${viewerPrefix}-${i}`, { title: `video ${videoId.slice(0, 6)}` }),
  );
  const res = await postAudience(aggregator, events);
  expect(res.status).toBe(202);
}

interface Page {
  what: string;
  cache: string | null;
  ids: string[];
  computedAt: number;
  generation: number;
}

async function page(aggregator: string, format: Format, limit: number, drop = ''): Promise<Page> {
  const res = await api(aggregator, PATHS[format](limit), drop ? { headers: { 'x-test-drop': drop } } : {});
  expect(res.status).toBe(200);
  const what = `${format} limit=${limit}`;
  const generation = generationOf(res);
  const cache = res.headers.get('x-cache');
  if (format === 'v1') {
    const body = (await res.json()) as TrendingVideosResponse;
    return {
      what,
      cache,
      generation,
      ids: body.videos.map((v) => v.videoId),
      computedAt: Date.parse(body.generatedAt),
    };
  }
  const body = (await res.json()) as { vines: { eventId: string }[]; updatedAt: number };
  return { what, cache, generation, ids: body.vines.map((v) => v.eventId), computedAt: body.updatedAt };
}

async function everyPage(aggregator: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (const format of FORMATS) for (const limit of LIMITS) pages.push(await page(aggregator, format, limit));
  return pages;
}

describe('one snapshot per window, whatever the limit or format', () => {
  it('right after a new #1, limits 10, 20, 50, 60 and 100 of both formats show one list', async () => {
    const aggregator = newAggregator();
    const first = randomHex64();
    const second = randomHex64();
    await views(aggregator, first, 'early', 30);
    await views(aggregator, second, 'later', 20);

    // Every page read once below isolate memory: memory and the edge now hold the first
    // ranking for each limit and format.
    const before: Page[] = [];
    for (const format of FORMATS)
      for (const limit of LIMITS) before.push(await page(aggregator, format, limit, 'memory'));
    for (const p of before) expect(p.ids.slice(0, 2), p.what).toEqual([first, second]);
    const scope = keyScope(aggregator);
    for (const format of FORMATS)
      for (const limit of LIMITS)
        await until(`edge fill of ${format} ${limit}`, async () =>
          Boolean(await caches.default.match(edgeCacheUrl(format, '1h', limit, scope))),
        );

    // The second video overtakes the first. It was in the top 10 already, so the generation
    // stays: only the ranking, and its computedAt, change.
    await views(aggregator, second, 'more', 20);
    await refresh(aggregator, '1h');
    const top = await page(aggregator, 'v1', 10, 'memory,edge');
    expect(top.cache).toBe('HIT-DO');
    expect(top.ids.slice(0, 2)).toEqual([second, first]);
    expect(top.generation).toBe(before[0]?.generation);

    // Every other page: the same list, from the same computation or (if the aggregator's alarm
    // recomputed meanwhile) a newer one, never the older one still held for that limit.
    const after = await everyPage(aggregator);
    const longest = after.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
    for (const p of after) {
      expect(p.ids.slice(0, 2), p.what).toEqual([second, first]);
      expect(p.ids, p.what).toEqual(longest.ids.slice(0, p.ids.length));
      expect(p.computedAt, p.what).toBeGreaterThanOrEqual(top.computedAt);
    }
  });

  it('a page read below the edge is never older than one already served', async () => {
    const aggregator = newAggregator();
    const video = randomHex64();
    await views(aggregator, video, 'viewer', 10);
    const served = await page(aggregator, 'v1', 20);
    expect(served.cache).toBe('MISS');

    // The aggregator forgets its snapshot and a newer computation is served for limit 10.
    await refresh(aggregator, '1h');
    const newer = await page(aggregator, 'v1', 10, 'memory,edge');
    expect(newer.computedAt).toBeGreaterThan(served.computedAt);

    // Limit 20's memory entry and edge entry hold the older computation: neither answers, the
    // newer snapshot does (sliced in memory, or read again below the edge).
    const again = await page(aggregator, 'v1', 20);
    expect(again.computedAt).toBeGreaterThanOrEqual(newer.computedAt);
    expect(again.ids).toEqual(newer.ids);
  });
});

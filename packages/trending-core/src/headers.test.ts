import { describe, expect, it } from 'vitest';
import {
  CORS_HEADERS,
  CORS_PREFLIGHT_HEADERS,
  cacheControlValue,
  cdnCacheControlValue,
  ifNoneMatchHits,
  parseSnapshotETag,
  serverTimingValue,
  snapshotETag,
  trendingCacheTags,
  trendingCacheTagValue,
  trendingHeaders,
} from './headers.ts';
import type { TrendingSnapshot } from './response-schemas.ts';

// Expected header values are written out in full: they are the contract with browsers, CDNs and
// the mobile app (docs/architecture.md's header table), so a change to the TTL table or to a
// header must show up here as a failing test.

const SNAPSHOT: TrendingSnapshot = {
  window: '24h',
  generation: 7,
  computedAt: 46_656, // 36^3: "1000" in base 36
  computeMs: 40,
  videos: [],
};

const baseInput = {
  etag: '"v1-24h-20-g7-1000"',
  cacheTag: 'trending,trending-24h,trending-24h-g7',
  layer: 'HIT-EDGE',
  stale: false,
  ageS: 12.8,
  timings: [],
} as const;

describe('Cache-Control', () => {
  it('is exactly the contract value: browsers 60 s, shared caches 300 s, then 240 s stale', () => {
    expect(cacheControlValue()).toBe('public, max-age=60, s-maxage=300, stale-while-revalidate=240');
  });

  it('tells the CDN to keep a copy for the full 300 s and serve it stale 240 s more', () => {
    expect(cdnCacheControlValue()).toBe('public, max-age=300, stale-while-revalidate=240');
  });
});

describe('trendingHeaders', () => {
  it('is exactly this set of headers for a fresh edge hit', () => {
    expect(trendingHeaders(baseInput)).toEqual({
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'public, max-age=60, s-maxage=300, stale-while-revalidate=240',
      'CDN-Cache-Control': 'public, max-age=300, stale-while-revalidate=240',
      'Cloudflare-CDN-Cache-Control': 'public, max-age=300, stale-while-revalidate=240',
      'Cache-Tag': 'trending,trending-24h,trending-24h-g7',
      ETag: '"v1-24h-20-g7-1000"',
      'X-Cache': 'HIT-EDGE',
      'Server-Timing': '',
      Age: '12', // 12.8 s, whole seconds rounded down
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
    });
  });

  it('tags an answer for purging: every answer, its window, its window and generation, in its key scope', () => {
    expect(trendingCacheTagValue('', '24h', 7)).toBe('trending,trending-24h,trending-24h-g7');
    expect(trendingCacheTags('test-1/', '1h', 2)).toEqual([
      'test-1/trending',
      'test-1/trending-1h',
      'test-1/trending-1h-g2',
    ]);
  });

  it('names the layer in X-Cache and appends ", STALE" for a stale copy', () => {
    expect(trendingHeaders({ ...baseInput, layer: 'HIT-KV' })['X-Cache']).toBe('HIT-KV');
    expect(trendingHeaders({ ...baseInput, layer: 'HIT-KV', stale: true })['X-Cache']).toBe('HIT-KV, STALE');
    expect(trendingHeaders({ ...baseInput, layer: 'MISS' })['X-Cache']).toBe('MISS');
    expect(trendingHeaders({ ...baseInput, layer: 'HIT-MEMORY', stale: true })['X-Cache']).toBe(
      'HIT-MEMORY, STALE',
    );
  });

  it('never sends a negative Age (a clock-skewed computedAt in the future)', () => {
    expect(trendingHeaders({ ...baseInput, ageS: -3 }).Age).toBe('0');
    expect(trendingHeaders({ ...baseInput, ageS: 0.99 }).Age).toBe('0');
    expect(trendingHeaders({ ...baseInput, ageS: 299 }).Age).toBe('299');
  });

  it('formats Server-Timing with layer names, durations to 0.1 ms and descriptions', () => {
    expect(
      serverTimingValue([
        { name: 'edge', durMs: 3.04, desc: 'HIT-EDGE' },
        { name: 'total', durMs: 4 },
      ]),
    ).toBe('edge;dur=3.0;desc="HIT-EDGE", total;dur=4.0');
    expect(serverTimingValue([{ name: 'kv', durMs: 12.36, desc: '' }])).toBe('kv;dur=12.4');
    expect(serverTimingValue([])).toBe('');
    expect(trendingHeaders({ ...baseInput, timings: [{ name: 'do', durMs: 12 }] })['Server-Timing']).toBe(
      'do;dur=12.0',
    );
  });
});

describe('CORS', () => {
  it('lets any origin read every response and the cache headers', () => {
    expect(CORS_HEADERS).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
    });
  });

  it('answers a preflight with the request headers and a one-day max age (methods: per path)', () => {
    expect(CORS_PREFLIGHT_HEADERS).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'ETag, X-Cache, Server-Timing, Age',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, If-None-Match, User-Agent',
      'Access-Control-Max-Age': '86400', // 24 * 60 * 60
    });
  });
});

describe('ETag', () => {
  it('is "{format}-{window}-{limit}-g{generation}-{computedAt in base 36}", quoted', () => {
    expect(snapshotETag(SNAPSHOT, 20, 'v1')).toBe('"v1-24h-20-g7-1000"');
    // computedAt 35 is "z" in base 36; 36^4 = 1,679,616 is "10000".
    expect(snapshotETag({ ...SNAPSHOT, window: '1h', generation: 0, computedAt: 35 }, 10, 'vines')).toBe(
      '"vines-1h-10-g0-z"',
    );
    expect(snapshotETag({ ...SNAPSHOT, window: '7d', computedAt: 1_679_616 }, 100, 'hashtags')).toBe(
      '"hashtags-7d-100-g7-10000"',
    );
  });
});

describe('parseSnapshotETag', () => {
  it('reads back what snapshotETag wrote', () => {
    expect(parseSnapshotETag(snapshotETag(SNAPSHOT, 20, 'v1'))).toEqual({
      format: 'v1',
      window: '24h',
      limit: 20,
      generation: 7,
      computedAt: SNAPSHOT.computedAt,
    });
    const computedAt = Date.UTC(2026, 11, 2, 3, 4, 5, 678);
    expect(
      parseSnapshotETag(
        snapshotETag({ ...SNAPSHOT, window: '7d', generation: 0, computedAt }, 100, 'creators'),
      ),
    ).toEqual({ format: 'creators', window: '7d', limit: 100, generation: 0, computedAt });
  });

  it('refuses what it did not make', () => {
    for (const etag of [
      '',
      '"',
      'v1-24h-20-g7-rs',
      'W/"v1-24h-20-g7-rs"',
      '"v2-24h-20-g7-rs"',
      '"v1-2h-20-g7-rs"',
      '"v1-24h-20-7-rs"',
      '"v1-24h-x-g7-rs"',
      '"v1-24h-20-g7-r!"',
      '"v1-24h-20-g7-0r"',
      '"v1-24h-20-g7-rs-1"',
      '"v1-24h-20-g7-"',
    ])
      expect(parseSnapshotETag(etag), etag).toBeUndefined();
  });
});

describe('ifNoneMatchHits', () => {
  const etag = '"v1-24h-20-g7-1000"';
  const older = '"v1-24h-20-g6-1000"';

  it('matches the exact tag', () => {
    expect(ifNoneMatchHits(etag, etag)).toBe(true);
  });

  it('matches a tag anywhere in a comma-separated list', () => {
    expect(ifNoneMatchHits(`${older}, ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`${older},${etag}`, etag)).toBe(true);
  });

  it('uses weak comparison: a W/ prefix on either side still matches', () => {
    expect(ifNoneMatchHits(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`${older}, W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(etag, `W/${etag}`)).toBe(true);
    expect(ifNoneMatchHits(`W/${etag}`, `W/${etag}`)).toBe(true);
  });

  it('strips W/ only as a prefix', () => {
    expect(ifNoneMatchHits('"aW/b"', '"ab"')).toBe(false);
    expect(ifNoneMatchHits('"ab"', '"aW/b"')).toBe(false);
  });

  it('matches * for any current representation', () => {
    expect(ifNoneMatchHits('*', etag)).toBe(true);
    expect(ifNoneMatchHits(' * ', etag)).toBe(true);
  });

  it('misses a different generation, an absent header, or an empty header', () => {
    expect(ifNoneMatchHits(older, etag)).toBe(false);
    expect(ifNoneMatchHits(null, etag)).toBe(false);
    expect(ifNoneMatchHits('', etag)).toBe(false);
    expect(ifNoneMatchHits(etag.slice(1, -1), etag)).toBe(false);
  });
});

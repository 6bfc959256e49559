import { describe, expect, it } from 'vitest';
import {
  CORS_HEADERS,
  cacheControlValue,
  ifNoneMatchHits,
  serverTimingValue,
  snapshotETag,
  trendingHeaders,
} from './headers.ts';
import type { TrendingSnapshot } from './schemas.ts';

const SNAPSHOT: TrendingSnapshot = {
  window: '24h',
  generation: 7,
  computedAt: Date.UTC(2025, 11, 13, 19, 30),
  computeMs: 40,
  videos: [],
};

const baseInput = {
  etag: '"v1-24h-20-g7"',
  layer: 'HIT-EDGE',
  stale: false,
  ageS: 12.8,
  timings: [],
} as const;

describe('Cache-Control', () => {
  it('is exactly the contract value', () => {
    expect(cacheControlValue()).toBe('public, max-age=60, s-maxage=300, stale-while-revalidate=240');
    expect(trendingHeaders(baseInput)['Cache-Control']).toBe(
      'public, max-age=60, s-maxage=300, stale-while-revalidate=240',
    );
  });

  it('sends matching CDN-Cache-Control and Cloudflare-CDN-Cache-Control', () => {
    const headers = trendingHeaders(baseInput);
    expect(headers['CDN-Cache-Control']).toBeDefined();
    expect(headers['Cloudflare-CDN-Cache-Control']).toBe(headers['CDN-Cache-Control']);
    expect(headers['CDN-Cache-Control']).toMatch(/stale-while-revalidate=240/);
  });
});

describe('trendingHeaders', () => {
  it('names the layer in X-Cache and appends ", STALE" for a stale copy', () => {
    expect(trendingHeaders({ ...baseInput, layer: 'HIT-KV' })['X-Cache']).toBe('HIT-KV');
    expect(trendingHeaders({ ...baseInput, layer: 'HIT-KV', stale: true })['X-Cache']).toBe('HIT-KV, STALE');
    expect(trendingHeaders({ ...baseInput, layer: 'MISS' })['X-Cache']).toBe('MISS');
  });

  it('carries the ETag, a whole-second non-negative Age, JSON content type and CORS', () => {
    const headers = trendingHeaders(baseInput);
    expect(headers.ETag).toBe('"v1-24h-20-g7"');
    expect(headers.Age).toBe('12');
    expect(trendingHeaders({ ...baseInput, ageS: -3 }).Age).toBe('0');
    expect(headers['Content-Type']).toMatch(/^application\/json/);
    expect(headers['Access-Control-Allow-Origin']).toBe('*');
    expect(CORS_HEADERS['Access-Control-Expose-Headers']).toMatch(/ETag/);
    expect(CORS_HEADERS['Access-Control-Expose-Headers']).toMatch(/X-Cache/);
  });

  it('formats Server-Timing with layer names and durations', () => {
    expect(
      serverTimingValue([
        { name: 'edge', durMs: 3.04, desc: 'HIT-EDGE' },
        { name: 'total', durMs: 4 },
      ]),
    ).toBe('edge;dur=3.0;desc="HIT-EDGE", total;dur=4.0');
    expect(trendingHeaders({ ...baseInput, timings: [{ name: 'do', durMs: 12 }] })['Server-Timing']).toBe(
      'do;dur=12.0',
    );
  });
});

describe('ETag', () => {
  it('is a quoted strong validator', () => {
    expect(snapshotETag(SNAPSHOT, 20, 'v1')).toMatch(/^"[^"]+"$/);
  });

  it('is stable for the same content', () => {
    expect(snapshotETag({ ...SNAPSHOT }, 20, 'v1')).toBe(snapshotETag(SNAPSHOT, 20, 'v1'));
  });

  it('changes with the generation, computation time, limit and format', () => {
    const etag = snapshotETag(SNAPSHOT, 20, 'v1');
    expect(snapshotETag({ ...SNAPSHOT, generation: 8 }, 20, 'v1')).not.toBe(etag);
    expect(snapshotETag({ ...SNAPSHOT, computedAt: SNAPSHOT.computedAt + 30_000 }, 20, 'v1')).not.toBe(etag);
    expect(snapshotETag(SNAPSHOT, 10, 'v1')).not.toBe(etag);
    expect(snapshotETag(SNAPSHOT, 20, 'vines')).not.toBe(etag);
    expect(snapshotETag({ ...SNAPSHOT, window: '1h' }, 20, 'v1')).not.toBe(etag);
  });
});

describe('ifNoneMatchHits', () => {
  const etag = snapshotETag(SNAPSHOT, 20, 'v1');
  const older = snapshotETag({ ...SNAPSHOT, generation: 6 }, 20, 'v1');

  it('matches the exact tag', () => {
    expect(ifNoneMatchHits(etag, etag)).toBe(true);
  });

  it('matches a tag anywhere in a comma-separated list', () => {
    expect(ifNoneMatchHits(`${older}, ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`${older},${etag}`, etag)).toBe(true);
  });

  it('uses weak comparison: a W/ prefix still matches', () => {
    expect(ifNoneMatchHits(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`${older}, W/${etag}`, etag)).toBe(true);
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

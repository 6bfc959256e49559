import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  AGGREGATOR_OBJECT_NAME,
  canonicalKey,
  edgeCacheUrl,
  edgeRefreshLockUrl,
  edgeWindowUrl,
  isPrecomputedLimit,
  isResponseFormat,
  keyScope,
  kvPrecomputedKey,
  kvReadKey,
  kvSnapshotEntries,
  kvTopKey,
  METRICS_OBJECT_NAME,
  metricsObjectFor,
  RESPONSE_FORMATS,
} from './keys.ts';
import type { TrendingSnapshot } from './response-schemas.ts';
import { ClientTrendingQuerySchema, TrendingQuerySchema } from './schemas.ts';
import { PRECOMPUTED_LIMITS } from './ttl-policy.ts';

// Keys are written out in full: production data lives under them (KV, the edge cache, Durable
// Object names), so renaming one silently orphans everything stored under the old name.

describe('canonical read keys', () => {
  it('are {format}:{window}:{limit}', () => {
    expect(canonicalKey('v1', '24h', 20)).toBe('v1:24h:20');
    expect(canonicalKey('vines', '1h', 10)).toBe('vines:1h:10');
    expect(canonicalKey('creators', '7d', 37)).toBe('creators:7d:37');
    expect(canonicalKey('v1', '24h', 20, 'test-abc/')).toBe('test-abc/v1:24h:20');
  });

  it('are one private-host URL per (format, window, limit), with no query string', () => {
    expect(edgeCacheUrl('v1', '24h', 20)).toBe('https://trending-cache.internal/e3/v1/24h/20');
    expect(edgeCacheUrl('hashtags', '7d', 100)).toBe('https://trending-cache.internal/e3/hashtags/7d/100');
    // The scope is one path segment: its "/" is escaped.
    expect(edgeCacheUrl('vines', '1h', 10, 'test-abc/')).toBe(
      'https://trending-cache.internal/e3/test-abc%2Fvines/1h/10',
    );
  });

  it("give each window's snapshot one edge URL per scope, apart from every read's entry", () => {
    expect(edgeWindowUrl('24h')).toBe('https://trending-cache.internal/e3/snapshot/24h');
    expect(edgeWindowUrl('7d', 'test-abc/')).toBe(
      'https://trending-cache.internal/e3/test-abc%2Fsnapshot/7d',
    );
    const reads = RESPONSE_FORMATS.flatMap((format) =>
      (['1h', '24h', '7d'] as const).flatMap((w) => [1, 20, 100].map((l) => edgeCacheUrl(format, w, l))),
    );
    const windows = (['1h', '24h', '7d'] as const).map((w) => edgeWindowUrl(w));
    expect(new Set(windows).size).toBe(3);
    for (const url of windows) expect(reads).not.toContain(url);
  });

  it('give each edge entry its own refresh lock entry, which is no entry of any other key', () => {
    expect(edgeRefreshLockUrl(edgeCacheUrl('v1', '24h', 20))).toBe(
      'https://trending-cache.internal/e3/v1/24h/20/refresh-lock',
    );
    const all = RESPONSE_FORMATS.flatMap((format) =>
      (['1h', '24h', '7d'] as const).flatMap((w) => [1, 20, 100].map((l) => edgeCacheUrl(format, w, l))),
    );
    const locks = new Set(all.map(edgeRefreshLockUrl));
    expect(locks.size).toBe(all.length);
    for (const url of all) expect(locks.has(url)).toBe(false);
  });

  it('are the same for every spelling of the same query', () => {
    // What the api does with a query: parse it, then key on the parsed (window, limit) only.
    const v1Key = (query: Record<string, string>) => {
      const q = v.parse(TrendingQuerySchema, query);
      return canonicalKey('v1', q.window, q.limit);
    };
    expect(v1Key({})).toBe('v1:24h:20'); // both defaults
    expect(v1Key({ window: '24h' })).toBe('v1:24h:20');
    expect(v1Key({ limit: '20' })).toBe('v1:24h:20');
    expect(v1Key({ limit: '020', window: '24h' })).toBe('v1:24h:20');
    expect(v1Key({ window: '24h', limit: '20', cachebuster: '123' })).toBe('v1:24h:20');
    expect(v1Key({ window: '1h', limit: '0010' })).toBe('v1:1h:10');

    const vinesKey = (query: Record<string, string>) => {
      const q = v.parse(ClientTrendingQuerySchema, query);
      return canonicalKey('vines', q.window, q.limit);
    };
    expect(vinesKey({ limit: '500' })).toBe('vines:24h:100'); // clamped to 100
    expect(vinesKey({ limit: '100' })).toBe('vines:24h:100');
    expect(vinesKey({ limit: 'lots' })).toBe('vines:24h:20'); // unreadable: the default
    expect(vinesKey({ window: '7d', limit: '-4' })).toBe('vines:7d:1'); // clamped to 1
  });
});

describe('response formats', () => {
  it('are v1, vines, hashtags and creators', () => {
    expect([...RESPONSE_FORMATS]).toEqual(['v1', 'vines', 'hashtags', 'creators']);
    for (const format of ['v1', 'vines', 'hashtags', 'creators']) expect(isResponseFormat(format)).toBe(true);
    for (const value of ['V1', 'videos', '', 1, null, undefined]) expect(isResponseFormat(value)).toBe(false);
  });
});

describe('KV keys', () => {
  it('store precomputed lists under pre:{window}:{limit} and the top-100 under top:{window}', () => {
    expect(kvPrecomputedKey('1h', 10)).toBe('pre:1h:10');
    expect(kvPrecomputedKey('24h', 20)).toBe('pre:24h:20');
    expect(kvPrecomputedKey('7d', 100)).toBe('pre:7d:100');
    expect(kvTopKey('1h')).toBe('top:1h');
    expect(kvTopKey('7d')).toBe('top:7d');
    expect(kvTopKey('24h', 'test-abc/')).toBe('test-abc/top:24h');
    expect(kvPrecomputedKey('24h', 50, 'test-abc/')).toBe('test-abc/pre:24h:50');
  });

  it('precompute exactly the limits 10, 20, 50 and 100', () => {
    expect([...PRECOMPUTED_LIMITS]).toEqual([10, 20, 50, 100]);
    expect([10, 20, 50, 100].map(isPrecomputedLimit)).toEqual([true, true, true, true]);
    expect([1, 5, 25, 99, 101].map(isPrecomputedLimit)).toEqual([false, false, false, false, false]);
  });

  it('read a precomputed limit from its slice and any other limit from the top-100', () => {
    expect(kvReadKey('7d', 20)).toBe('pre:7d:20');
    expect(kvReadKey('7d', 37)).toBe('top:7d');
    expect(kvReadKey('1h', 100, 'test-abc/')).toBe('test-abc/pre:1h:100');
    expect(kvReadKey('1h', 99, 'test-abc/')).toBe('test-abc/top:1h');
  });
});

describe('object names and key scopes', () => {
  it('name the production objects trending-v1 and metrics-v1', () => {
    expect(AGGREGATOR_OBJECT_NAME).toBe('trending-v1');
    expect(METRICS_OBJECT_NAME).toBe('metrics-v1');
    expect(metricsObjectFor('trending-v1')).toBe('metrics-v1');
    expect(metricsObjectFor('test-abc')).toBe('metrics:test-abc');
  });

  it('keep production keys exactly as designed and give any other aggregator its own prefix', () => {
    expect(keyScope('trending-v1')).toBe('');
    expect(keyScope('test-abc')).toBe('test-abc/');
    expect(kvPrecomputedKey('24h', 10, keyScope('trending-v1'))).toBe('pre:24h:10');
    expect(kvPrecomputedKey('24h', 10, keyScope('test-abc'))).toBe('test-abc/pre:24h:10');
  });
});

describe('kvSnapshotEntries', () => {
  const snapshot: TrendingSnapshot = {
    window: '1h',
    generation: 3,
    computedAt: 1,
    computeMs: 1,
    videos: Array.from({ length: 100 }, (_, i) => ({
      rank: i + 1,
      videoId: String(i),
      score: 100 - i,
      views: 1,
      uniqueViewers: 5,
      avgCompletion: 1,
      loops: 0,
    })),
    hashtags: Array.from({ length: 100 }, (_, i) => ({
      tag: `t${i}`,
      views: 1,
      videoCount: 1,
      avgViralScore: 1,
    })),
    creators: Array.from({ length: 30 }, (_, i) => ({
      pubkey: `p${i}`,
      totalViews: 1,
      videoCount: 1,
      avgViralScore: 1,
    })),
  };

  it('writes the top-100 and one slice per precomputed limit, each list cut to the limit', () => {
    const entries = new Map(kvSnapshotEntries(snapshot));
    expect([...entries.keys()]).toEqual(['top:1h', 'pre:1h:10', 'pre:1h:20', 'pre:1h:50', 'pre:1h:100']);
    const lengths = (key: string) => {
      const s = entries.get(key);
      return [s?.videos.length, s?.hashtags?.length, s?.creators?.length];
    };
    // [videos, hashtags, creators]: 100 videos, 100 hashtags and 30 creators, cut to each limit.
    expect(lengths('top:1h')).toEqual([100, 100, 30]);
    expect(lengths('pre:1h:10')).toEqual([10, 10, 10]);
    expect(lengths('pre:1h:20')).toEqual([20, 20, 20]);
    expect(lengths('pre:1h:50')).toEqual([50, 50, 30]);
    expect(lengths('pre:1h:100')).toEqual([100, 100, 30]);
    expect(entries.get('pre:1h:10')?.videos.at(-1)?.rank).toBe(10);
    expect(entries.get('pre:1h:50')).toMatchObject({ window: '1h', generation: 3, computedAt: 1 });
  });

  it('prefixes every key with the scope', () => {
    expect(kvSnapshotEntries(snapshot, 'test-abc/').map(([key]) => key)).toEqual([
      'test-abc/top:1h',
      'test-abc/pre:1h:10',
      'test-abc/pre:1h:20',
      'test-abc/pre:1h:50',
      'test-abc/pre:1h:100',
    ]);
  });

  it('adds no hashtags or creators to a snapshot that has none (an older version)', () => {
    const { hashtags: _h, creators: _c, ...older } = snapshot;
    const slice = new Map(kvSnapshotEntries(older)).get('pre:1h:10');
    expect(slice).not.toHaveProperty('hashtags');
    expect(slice).not.toHaveProperty('creators');
  });
});

import { describe, expect, it } from 'vitest';
import {
  AGGREGATOR_OBJECT_NAME,
  canonicalKey,
  edgeCacheUrl,
  isPrecomputedLimit,
  keyScope,
  kvPrecomputedKey,
  kvReadKey,
  kvSnapshotEntries,
  kvTopKey,
  RESPONSE_FORMATS,
  type ResponseFormat,
} from './keys.ts';
import { PRECOMPUTED_LIMITS } from './ttl-policy.ts';
import { WINDOWS } from './windows.ts';

const FORMATS: readonly ResponseFormat[] = RESPONSE_FORMATS;
const LIMITS = [1, 10, 20, 50, 100];

function everyRead() {
  return FORMATS.flatMap((format) =>
    WINDOWS.flatMap((window) => LIMITS.map((limit) => ({ format, window, limit }))),
  );
}

describe('canonical read keys', () => {
  it('are the same for the same (format, window, limit)', () => {
    expect(canonicalKey('v1', '24h', 20)).toBe(canonicalKey('v1', '24h', 20));
    expect(edgeCacheUrl('vines', '1h', 10)).toBe(edgeCacheUrl('vines', '1h', 10));
  });

  it('are distinct for every distinct (format, window, limit)', () => {
    const reads = everyRead();
    expect(new Set(reads.map((r) => canonicalKey(r.format, r.window, r.limit))).size).toBe(reads.length);
    expect(new Set(reads.map((r) => edgeCacheUrl(r.format, r.window, r.limit))).size).toBe(reads.length);
  });

  it('keep /v1 and the client format apart', () => {
    expect(canonicalKey('v1', '24h', 20)).not.toBe(canonicalKey('vines', '24h', 20));
  });

  it('use valid URLs with no query string for the edge cache, so stray parameters add no entries', () => {
    for (const r of everyRead()) {
      const url = edgeCacheUrl(r.format, r.window, r.limit);
      expect(url).toMatch(/^https:\/\/[a-z0-9.-]+\/[^?#]*$/);
      expect(url.endsWith(`/${r.format}/${r.window}/${r.limit}`)).toBe(true);
    }
  });
});

describe('KV keys', () => {
  it('store precomputed lists under pre:{window}:{limit}', () => {
    expect(kvPrecomputedKey('1h', 10)).toBe('pre:1h:10');
    expect(kvPrecomputedKey('24h', 20)).toBe('pre:24h:20');
    expect(kvPrecomputedKey('7d', 100)).toBe('pre:7d:100');
  });

  it('keep the per-window top-100 apart from the precomputed lists', () => {
    for (const window of WINDOWS) {
      expect(kvTopKey(window)).not.toBe(kvPrecomputedKey(window, 100));
      expect(kvTopKey(window)).toContain(window);
    }
    expect(new Set(WINDOWS.map((w) => kvTopKey(w))).size).toBe(WINDOWS.length);
  });

  it('precompute exactly the limits 10, 20, 50 and 100', () => {
    expect([...PRECOMPUTED_LIMITS]).toEqual([10, 20, 50, 100]);
    expect(PRECOMPUTED_LIMITS.every(isPrecomputedLimit)).toBe(true);
    expect([1, 5, 25, 99, 101].some(isPrecomputedLimit)).toBe(false);
  });
});

describe('key scopes', () => {
  it('keeps production keys exactly as designed and gives other aggregators their own space', () => {
    expect(keyScope(AGGREGATOR_OBJECT_NAME)).toBe('');
    expect(kvPrecomputedKey('24h', 10, keyScope(AGGREGATOR_OBJECT_NAME))).toBe('pre:24h:10');
    const scope = keyScope('test-abc');
    expect(kvPrecomputedKey('24h', 10, scope)).not.toBe('pre:24h:10');
    expect(kvTopKey('24h', scope)).not.toBe(kvTopKey('24h'));
    expect(edgeCacheUrl('v1', '24h', 10, scope)).not.toBe(edgeCacheUrl('v1', '24h', 10));
    expect(canonicalKey('v1', '24h', 10, scope)).not.toBe(canonicalKey('v1', '24h', 10));
  });

  it('reads precomputed limits from their slice and any other limit from the top-100', () => {
    expect(kvReadKey('7d', 20)).toBe('pre:7d:20');
    expect(kvReadKey('7d', 37)).toBe('top:7d');
  });

  it('writes the top-100 and one slice per precomputed limit', () => {
    const snapshot = {
      window: '1h' as const,
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
    const entries = new Map(kvSnapshotEntries(snapshot));
    expect([...entries.keys()].sort()).toEqual([
      'pre:1h:10',
      'pre:1h:100',
      'pre:1h:20',
      'pre:1h:50',
      'top:1h',
    ]);
    expect(entries.get('pre:1h:10')?.videos).toHaveLength(10);
    expect(entries.get('pre:1h:10')?.hashtags).toHaveLength(10);
    expect(entries.get('pre:1h:50')?.creators).toHaveLength(30);
    expect(entries.get('top:1h')?.videos).toHaveLength(100);
    expect(entries.get('pre:1h:50')?.generation).toBe(3);
  });
});

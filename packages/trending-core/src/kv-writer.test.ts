import { describe, expect, it } from 'vitest';
import { type KvWriter, writeSnapshotToKv } from './kv-writer.ts';
import type { TrendingSnapshot } from './response-schemas.ts';

/** Records what a Workers KV namespace would be asked to store (the real KV is tested in the apps). */
function recordingKv() {
  const puts: { key: string; value: unknown; expirationTtl: number }[] = [];
  const kv: KvWriter = {
    async put(key, value, options) {
      puts.push({ key, value: JSON.parse(value), expirationTtl: options.expirationTtl });
    },
  };
  return { kv, puts };
}

const SNAPSHOT: TrendingSnapshot = {
  window: '24h',
  generation: 2,
  computedAt: 1_000,
  computeMs: 5,
  videos: Array.from({ length: 12 }, (_, i) => ({
    rank: i + 1,
    videoId: `v${i + 1}`,
    score: 12 - i,
    views: 10,
    uniqueViewers: 5,
    avgCompletion: 0.5,
    loops: 0,
  })),
};

describe('writeSnapshotToKv', () => {
  it('writes the top-100 and the four precomputed slices, each expiring after 300 s', async () => {
    const { kv, puts } = recordingKv();
    const keys = await writeSnapshotToKv(kv, SNAPSHOT);
    expect(keys).toEqual(['top:24h', 'pre:24h:10', 'pre:24h:20', 'pre:24h:50', 'pre:24h:100']);
    expect(puts.map((p) => [p.key, p.expirationTtl])).toEqual([
      ['top:24h', 300],
      ['pre:24h:10', 300],
      ['pre:24h:20', 300],
      ['pre:24h:50', 300],
      ['pre:24h:100', 300],
    ]);
    // The stored value is the snapshot as JSON, its videos cut to the slice's limit (12 -> 10).
    const ten = puts.find((p) => p.key === 'pre:24h:10')?.value as TrendingSnapshot;
    expect(ten.videos.map((v) => v.videoId)).toEqual([
      'v1',
      'v2',
      'v3',
      'v4',
      'v5',
      'v6',
      'v7',
      'v8',
      'v9',
      'v10',
    ]);
    expect(puts.find((p) => p.key === 'top:24h')?.value).toEqual(SNAPSHOT);
  });

  it('writes under the scope of a test aggregator', async () => {
    const { kv, puts } = recordingKv();
    expect(await writeSnapshotToKv(kv, SNAPSHOT, 'agg-1/')).toEqual([
      'agg-1/top:24h',
      'agg-1/pre:24h:10',
      'agg-1/pre:24h:20',
      'agg-1/pre:24h:50',
      'agg-1/pre:24h:100',
    ]);
    expect(puts).toHaveLength(5);
  });

  it('fails when KV refuses a write', async () => {
    const kv: KvWriter = {
      put: async (key) => {
        if (key === 'pre:24h:50') throw new Error('KV put failed: 429');
      },
    };
    await expect(writeSnapshotToKv(kv, SNAPSHOT)).rejects.toThrow('KV put failed: 429');
  });
});

import { describe, expect, it } from 'vitest';
import { aggregatorShardCount, fnv1a32, shardObjectName, shardOf } from './shards.ts';

const VIDEO = '3f9a1c0b8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';

describe('shards', () => {
  it('hashes with FNV-1a 32-bit (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('puts a video in the same shard however its id is cased, and every video in shard 0 of 1', () => {
    expect(shardOf(VIDEO, 16)).toBe(fnv1a32(VIDEO) % 16);
    expect(shardOf(VIDEO.toUpperCase(), 16)).toBe(shardOf(VIDEO, 16));
    expect(shardOf(VIDEO, 1)).toBe(0);
  });

  it('spreads ids over the shards', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 256; i++) seen.add(shardOf(i.toString(16).padStart(64, '0'), 8));
    expect(seen.size).toBe(8);
  });

  it('names one shard as the aggregator itself, more shards by number', () => {
    expect(shardObjectName('trending-v1', 0, 1)).toBe('trending-v1');
    expect(shardObjectName('trending-v1', 3, 4)).toBe('trending-v1:3');
    expect(() => shardObjectName('trending-v1', 4, 4)).toThrow(RangeError);
    expect(() => shardOf(VIDEO, 0)).toThrow(RangeError);
  });

  it('reads AGGREGATOR_SHARDS: unset is 1, junk and out-of-range are null', () => {
    expect(aggregatorShardCount(undefined)).toBe(1);
    expect(aggregatorShardCount('')).toBe(1);
    expect(aggregatorShardCount('8')).toBe(8);
    expect(aggregatorShardCount('0')).toBeNull();
    expect(aggregatorShardCount('1.5')).toBeNull();
    expect(aggregatorShardCount('many')).toBeNull();
    expect(aggregatorShardCount('1025')).toBeNull();
  });
});

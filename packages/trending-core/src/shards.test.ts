import { describe, expect, it } from 'vitest';
import {
  aggregatorShardCount,
  fnv1a32,
  isShardObjectName,
  shardObjectName,
  shardObjectNameOf,
  shardObjectNames,
  shardOf,
} from './shards.ts';

const VIDEO = '3f9a1c0b8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
const hexId = (i: number) => i.toString(16).padStart(64, '0');

describe('shards', () => {
  it('hashes with FNV-1a 32-bit (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is stable: pinned shards that must never change while history is kept', () => {
    // A change here moves videos between shards and splits their history: never do it silently.
    expect([0, 1, 2, 3, 4].map((i) => shardOf(hexId(i), 8))).toEqual([5, 2, 7, 4, 1]);
  });

  it('puts a video in the same shard however its id is cased, and every video in shard 0 of 1', () => {
    expect(shardOf(VIDEO, 16)).toBe(fnv1a32(VIDEO) % 16);
    expect(shardOf(VIDEO.toUpperCase(), 16)).toBe(shardOf(VIDEO, 16));
    expect(shardOf(VIDEO, 1)).toBe(0);
  });

  it('spreads ids evenly over the shards', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[shardOf(hexId(i * 7919), 8)] += 1;
    for (const n of counts) expect(n).toBeGreaterThan(850);
  });

  it('names one shard as the aggregator itself, more shards by number and count', () => {
    expect(shardObjectName('trending-v1', 0, 1)).toBe('trending-v1');
    expect(shardObjectName('trending-v1', 3, 4)).toBe('trending-v1#shard-3-of-4');
    expect(shardObjectNames('agg', 2)).toEqual(['agg#shard-0-of-2', 'agg#shard-1-of-2']);
    expect(shardObjectNameOf('agg', hexId(2), 8)).toBe('agg#shard-7-of-8');
    expect(isShardObjectName('agg#shard-0-of-2')).toBe(true);
    expect(isShardObjectName('agg')).toBe(false);
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

import { describe, expect, it } from 'vitest';
import {
  isShardObjectName,
  MAX_SHARDS,
  shardCount,
  shardObjectName,
  shardObjectNameOf,
  shardObjectNames,
  shardOf,
} from './shards.ts';

const hexId = (i: number) => i.toString(16).padStart(64, '0');

describe('shardOf', () => {
  it('is stable: pinned values that must never change while history is kept', () => {
    // A change here moves videos between shards and splits their history: never do it silently.
    expect(shardOf('a'.repeat(64), 8)).toBe(shardOf('A'.repeat(64), 8));
    expect([0, 1, 2, 3, 4].map((i) => shardOf(hexId(i), 8))).toEqual([5, 2, 7, 4, 1]);
    // FNV-1a's published vector: "a" hashes to 0xe40c292c.
    expect(shardOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(shardOf(hexId(12345), 1)).toBe(0);
  });

  it('spreads ids evenly over the shards', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[shardOf(`${hexId(i * 7919)}`, 8)] += 1;
    for (const n of counts) expect(n).toBeGreaterThan(850);
  });
});

describe('shard names', () => {
  it('one shard is the aggregator itself; more are named with the count', () => {
    expect(shardObjectName('trending-main', 0, 1)).toBe('trending-main');
    expect(shardObjectNames('agg', 2)).toEqual(['agg#shard-0-of-2', 'agg#shard-1-of-2']);
    expect(shardObjectNameOf('agg', hexId(2), 8)).toBe('agg#shard-7-of-8');
    expect(isShardObjectName('agg#shard-0-of-2')).toBe(true);
    expect(isShardObjectName('agg')).toBe(false);
  });

  it('reads AGGREGATOR_SHARDS, falling back to 1 for anything but a whole number in range', () => {
    expect(shardCount('4')).toBe(4);
    for (const bad of [undefined, '', '0', '-2', '2.5', 'two', String(MAX_SHARDS + 1)])
      expect(shardCount(bad)).toBe(1);
  });
});

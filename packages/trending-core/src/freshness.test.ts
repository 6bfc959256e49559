import { describe, expect, it } from 'vitest';
import { freshness } from './freshness.ts';

const NOW = 1_800_000_000_000;
const s = (seconds: number) => NOW - seconds * 1000;

describe('freshness: from storage time, capped by the snapshot age budget', () => {
  it('is fresh for 30 s after storing, however old the computation was (within 300 s)', () => {
    // A copy of a 250 s-old KV value stored just now, and 29.999 s ago.
    expect(freshness(s(0), s(250), 30_000, NOW)).toBe('fresh');
    expect(freshness(s(29.999), s(250), 30_000, NOW)).toBe('fresh');
    expect(freshness(s(30), s(60), 30_000, NOW)).toBe('fresh');
  });

  it('is stale past 30 s from storing', () => {
    expect(freshness(s(30.001), s(30.001), 30_000, NOW)).toBe('stale');
    expect(freshness(s(200), s(299), 30_000, NOW)).toBe('stale');
  });

  it('is expired once the computation is older than 300 s, even if stored a moment ago', () => {
    expect(freshness(s(0), s(300), 30_000, NOW)).toBe('fresh');
    expect(freshness(s(0), s(300.001), 30_000, NOW)).toBe('expired');
    expect(freshness(s(100), s(400), 30_000, NOW)).toBe('expired');
  });

  it('uses the fresh period it is given (isolate memory: 5 s)', () => {
    expect(freshness(s(5), s(10), 5_000, NOW)).toBe('fresh');
    expect(freshness(s(5.001), s(10), 5_000, NOW)).toBe('stale');
  });
});

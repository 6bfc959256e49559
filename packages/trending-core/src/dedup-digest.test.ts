import { describe, expect, it } from 'vitest';
import { dedupDigest } from './dedup-digest.ts';

describe('dedupDigest', () => {
  it('is the first 8 bytes of SHA-256 of the key, as a signed big-endian 64-bit integer', () => {
    // sha256('abc') = ba7816bf8f01cfea...: 0xba7816bf8f01cfea - 2^64 (the top bit is set).
    expect(dedupDigest('abc')).toBe(-5010229573455851542n);
    // sha256('') = e3b0c44298fc1c14...
    expect(dedupDigest('')).toBe(-2039914840885289964n);
  });

  it('hashes a lone surrogate as U+FFFD, the one UTF-8 form the key has', () => {
    expect(dedupDigest('key-\ud800-\udfff')).toBe(5706268538893075515n);
    expect(dedupDigest('key-\ud800-\udfff')).toBe(dedupDigest('key-\ufffd-\ufffd'));
  });

  it('fits a SQLite INTEGER whatever the key length', () => {
    const long = dedupDigest('k'.repeat(2_000));
    expect(long).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(long).toBeLessThan(2n ** 63n);
    expect(long).not.toBe(dedupDigest('k'.repeat(1_999)));
  });
});

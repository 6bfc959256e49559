import { describe, expect, it } from 'vitest';
import { zipfKeys } from '../scenarios/zipf.ts';
import { kvReadKey, PRECOMPUTED_LIMITS, RESPONSE_FORMATS } from './policy.ts';
import { zipfReadKeys } from './workload.ts';

describe('the simulated workload', () => {
  it("crosses every response format with the bench's (window, limit) keys", () => {
    const keys = zipfReadKeys(1.1);
    expect(keys).toHaveLength(RESPONSE_FORMATS.length * zipfKeys().length);
    expect(keys.reduce((a, k) => a + k.share, 0)).toBeCloseTo(1, 9);
    expect(new Set(keys.map((k) => k.canonical)).size).toBe(keys.length);
  });

  it("ranks the /v1 keys exactly as the bench's Zipf workload does", () => {
    const v1 = zipfReadKeys(1.1, ['v1']).map(
      (k) => `/v1/trending/videos?window=${k.window}&limit=${k.limit}`,
    );
    expect(v1).toEqual(zipfKeys());
  });

  it("reads KV where trending-core's key scheme says: a precomputed limit, else the top 100", () => {
    for (const key of zipfReadKeys(1.1)) {
      expect(key.kvKey).toBe(kvReadKey(key.window, key.limit));
      expect(key.kvComplete).toBe(!(PRECOMPUTED_LIMITS as readonly number[]).includes(key.limit));
    }
  });
});

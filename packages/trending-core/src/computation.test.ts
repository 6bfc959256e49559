import { describe, expect, it } from 'vitest';
import { isOlder } from './computation.ts';

describe('isOlder: generation first, then computedAt', () => {
  it('orders by generation whatever the computation times', () => {
    expect(isOlder({ generation: 1, computedAt: 9_000 }, { generation: 2, computedAt: 1_000 })).toBe(true);
    expect(isOlder({ generation: 2, computedAt: 1_000 }, { generation: 1, computedAt: 9_000 })).toBe(false);
  });

  it('within one generation, the earlier computation is the older', () => {
    expect(isOlder({ generation: 2, computedAt: 999 }, { generation: 2, computedAt: 1_000 })).toBe(true);
    expect(isOlder({ generation: 2, computedAt: 1_001 }, { generation: 2, computedAt: 1_000 })).toBe(false);
  });

  it('the same computation is not older than itself', () => {
    expect(isOlder({ generation: 2, computedAt: 1_000 }, { generation: 2, computedAt: 1_000 })).toBe(false);
  });
});

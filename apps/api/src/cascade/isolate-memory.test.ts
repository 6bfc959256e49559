// Isolate memory is bounded by bytes, not only by entries (issue 12, item 7): a response can be
// about 1 MB, so 256 entries could hold 256 MB in an isolate limited to 128 MB.
import { TTL_POLICY } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { CachedBody } from './cached-body.ts';
import { createIsolateMemory, entryBytes } from './isolate-memory.ts';

const NOW = 1_000_000;

function body(chars: number, etag: string): CachedBody {
  return { body: 'x'.repeat(chars), etag, window: '1h', generation: 1, computedAt: NOW };
}

const NONE = { generation: 0, computedAt: 0 };
const held = (memory: ReturnType<typeof createIsolateMemory>, key: string) =>
  memory.get(key, NONE, NOW) !== undefined;

describe('isolate memory: a byte budget', () => {
  it('counts 2 bytes per UTF-16 code unit of key, body and ETag', () => {
    // 2 * (2 + 200 + 2) = 408
    expect(entryBytes('k1', body(200, 'e1'))).toBe(408);
  });

  it('evicts the oldest entries when a new one would exceed the budget', () => {
    const memory = createIsolateMemory({ maxEntries: 100, maxBytes: 1000 });
    memory.set('k1', body(200, 'e1'), NOW); // 408
    memory.set('k2', body(200, 'e2'), NOW); // 408 + 408 = 816
    expect(memory.usage()).toEqual({ entries: 2, bytes: 816 });

    memory.set('k3', body(200, 'e3'), NOW); // 816 + 408 = 1224 > 1000: k1 goes, 816 left
    expect(memory.usage()).toEqual({ entries: 2, bytes: 816 });
    expect([held(memory, 'k1'), held(memory, 'k2'), held(memory, 'k3')]).toEqual([false, true, true]);

    // Exactly the budget: 2 * (2 + 496 + 2) = 1000; k2 and k3 both have to go.
    memory.set('k4', body(496, 'e4'), NOW);
    expect(memory.usage()).toEqual({ entries: 1, bytes: 1000 });
    expect([held(memory, 'k2'), held(memory, 'k3'), held(memory, 'k4')]).toEqual([false, false, true]);
  });

  it('never stores an entry larger than the whole budget, and keeps what it held', () => {
    const memory = createIsolateMemory({ maxEntries: 100, maxBytes: 1000 });
    memory.set('k1', body(200, 'e1'), NOW); // 408
    memory.set('kb', body(497, 'eb'), NOW); // 2 * (2 + 497 + 2) = 1002 > 1000
    expect(held(memory, 'kb')).toBe(false);
    expect(memory.usage()).toEqual({ entries: 1, bytes: 408 });
    expect(held(memory, 'k1')).toBe(true);
  });

  it('replacing, deleting and dropping a window give their bytes back', () => {
    const memory = createIsolateMemory({ maxEntries: 100, maxBytes: 1000 });
    memory.set('scope:k1', body(100, 'e1'), NOW); // 2 * (8 + 100 + 2) = 220
    memory.set('scope:k1', body(150, 'e1'), NOW); // replaced: 2 * (8 + 150 + 2) = 320
    expect(memory.usage()).toEqual({ entries: 1, bytes: 320 });
    memory.set('scope:k2', body(100, 'e2'), NOW); // 320 + 220 = 540
    memory.delete('scope:k1');
    expect(memory.usage()).toEqual({ entries: 1, bytes: 220 });
    memory.dropWindow('scope:', '1h');
    expect(memory.usage()).toEqual({ entries: 0, bytes: 0 });
    // A stale or out-of-generation read removes the entry, and its bytes.
    memory.set('scope:k3', body(100, 'e3'), NOW);
    expect(memory.get('scope:k3', { generation: 2, computedAt: 0 }, NOW)).toBeUndefined();
    expect(memory.usage()).toEqual({ entries: 0, bytes: 0 });
  });

  it('still bounds the number of entries', () => {
    const memory = createIsolateMemory({ maxEntries: 3, maxBytes: 1_000_000 });
    for (const key of ['a', 'b', 'c', 'd']) memory.set(key, body(10, 'e'), NOW);
    expect(memory.usage().entries).toBe(3);
    expect(held(memory, 'a')).toBe(false);
    expect(held(memory, 'd')).toBe(true);
  });

  it("the api's budget is 16 MiB: an entry of 16,777,204 bytes fits, one of 16,777,218 does not", () => {
    // 16 * 1024 * 1024 = 16,777,216 bytes; far below the isolate's 128 MB.
    expect(TTL_POLICY.memory.maxBytes).toBe(16_777_216);
    const memory = createIsolateMemory(TTL_POLICY.memory);
    memory.set('a', body(8_388_600, 'e'), NOW); // 2 * (1 + 8,388,600 + 1) = 16,777,204
    expect(memory.usage()).toEqual({ entries: 1, bytes: 16_777_204 });
    memory.set('b', body(8_388_607, 'e'), NOW); // 2 * (1 + 8,388,607 + 1) = 16,777,218
    expect(held(memory, 'b')).toBe(false);
    expect(memory.usage()).toEqual({ entries: 1, bytes: 16_777_204 });
    // Twenty responses of 1,000,000 bytes (2 * (3 + 499,996 + 1)) keep the last 16 of them:
    // 16 * 1,000,000 = 16,000,000 <= 16,777,216 < 17 * 1,000,000.
    for (let i = 0; i < 20; i++) memory.set(`r${String(i).padStart(2, '0')}`, body(499_996, 'e'), NOW);
    expect(memory.usage()).toEqual({ entries: 16, bytes: 16_000_000 });
    expect([held(memory, 'a'), held(memory, 'r03'), held(memory, 'r04')]).toEqual([false, false, true]);
  });
});

describe('isolate memory: freshness and the newest computation served', () => {
  const at = (computedAt: number, generation = 1): CachedBody => ({
    body: '[]',
    etag: `"e${computedAt}"`,
    window: '1h',
    generation,
    computedAt,
  });

  it('is fresh for 5 s from when it was stored, however old the computation (within 300 s)', () => {
    const memory = createIsolateMemory(TTL_POLICY.memory);
    memory.set('k', at(NOW - 250_000), NOW);
    expect(memory.get('k', NONE, NOW + 5_000)?.fresh).toBe(true);
    expect(memory.get('k', NONE, NOW + 5_001)?.fresh).toBe(false);
    // Gone once the computation is older than the snapshot age budget (300 s).
    expect(memory.get('k', NONE, NOW + 50_000)?.fresh).toBe(false);
    expect(memory.get('k', NONE, NOW + 50_001)).toBeUndefined();
  });

  it('refuses, and forgets, an entry older than the newest computation served', () => {
    const memory = createIsolateMemory(TTL_POLICY.memory);
    memory.set('k', at(NOW - 1_000), NOW);
    // Same generation, computed later: the entry is older than what was served.
    expect(memory.get('k', { generation: 1, computedAt: NOW - 999 }, NOW)).toBeUndefined();
    expect(memory.usage().entries).toBe(0);
    memory.set('k', at(NOW - 1_000), NOW);
    // The very computation served, or an older one: the entry serves.
    expect(memory.get('k', { generation: 1, computedAt: NOW - 1_000 }, NOW)?.fresh).toBe(true);
    expect(memory.get('k', { generation: 0, computedAt: NOW }, NOW)?.fresh).toBe(true);
  });
});

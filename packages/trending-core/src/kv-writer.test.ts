import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeKvFailures, isKvRateLimited, type KvWriter, writeSnapshotToKv } from './kv-writer.ts';
import type { TrendingSnapshot } from './response-schemas.ts';

/**
 * A Workers KV namespace in memory (the real KV is tested in the apps) that records every put it
 * is asked for; `refuse(key)` says what error, if any, the next put of a key is refused with.
 */
function recordingKv(refuse: (key: string, attempt: number) => Error | undefined = () => undefined) {
  const stored = new Map<string, unknown>();
  const puts: { key: string; value: unknown; expirationTtl: number }[] = [];
  const attempts = new Map<string, number>();
  const kv: KvWriter = {
    async get(key) {
      return stored.get(key) ?? null;
    },
    async put(key, value, options) {
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const error = refuse(key, attempt);
      if (error) throw error;
      puts.push({ key, value: JSON.parse(value), expirationTtl: options.expirationTtl });
      stored.set(key, JSON.parse(value));
    },
  };
  return { kv, puts, stored, attempts };
}

const RATE_LIMITED = 'KV PUT failed: 429 Too Many Requests';

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
    expect(await writeSnapshotToKv(kv, SNAPSHOT)).toEqual({
      written: ['top:24h', 'pre:24h:10', 'pre:24h:20', 'pre:24h:50', 'pre:24h:100'],
      superseded: [],
      failed: [],
    });
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
    expect((await writeSnapshotToKv(kv, SNAPSHOT, 'agg-1/')).written).toEqual([
      'agg-1/top:24h',
      'agg-1/pre:24h:10',
      'agg-1/pre:24h:20',
      'agg-1/pre:24h:50',
      'agg-1/pre:24h:100',
    ]);
    expect(puts).toHaveLength(5);
  });

  it('reports a key KV refuses for another reason at once, without retrying, and writes the rest', async () => {
    const tooLong = new Error(
      'KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.',
    );
    const { kv, puts, attempts } = recordingKv((key) => (key === 'pre:24h:50' ? tooLong : undefined));
    expect(await writeSnapshotToKv(kv, SNAPSHOT)).toEqual({
      written: ['top:24h', 'pre:24h:10', 'pre:24h:20', 'pre:24h:100'],
      superseded: [],
      failed: [{ key: 'pre:24h:50', error: tooLong.message }],
    });
    expect(attempts.get('pre:24h:50')).toBe(1);
    expect(puts).toHaveLength(4);
  });
});

describe('writeSnapshotToKv under KV rate limiting (429)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Writes with the clock faked, moving it on until the write is done (its waits are 1 s and 2 s). */
  async function writeWithFakeClock(kv: KvWriter, snapshot = SNAPSHOT) {
    vi.useFakeTimers();
    const writing = writeSnapshotToKv(kv, snapshot);
    await vi.advanceTimersByTimeAsync(10_000);
    return writing;
  }

  it('retries a key refused with 429, waiting at least a second, then twice as long', async () => {
    const { kv, stored, attempts } = recordingKv((key, attempt) =>
      key === 'top:24h' && attempt <= 2 ? new Error(RATE_LIMITED) : undefined,
    );
    vi.useFakeTimers();
    const writing = writeSnapshotToKv(kv, SNAPSHOT);
    // The second attempt comes 1 to 1.25 s after the first; the third 2 to 2.5 s after that.
    await vi.advanceTimersByTimeAsync(999);
    expect(attempts.get('top:24h')).toBe(1);
    await vi.advanceTimersByTimeAsync(1_250 - 999);
    expect(attempts.get('top:24h')).toBe(2);
    await vi.advanceTimersByTimeAsync(2_999 - 1_250);
    expect(attempts.get('top:24h')).toBe(2);
    await vi.advanceTimersByTimeAsync(3_750 - 2_999);
    expect(attempts.get('top:24h')).toBe(3);
    expect(await writing).toEqual({
      written: ['top:24h', 'pre:24h:10', 'pre:24h:20', 'pre:24h:50', 'pre:24h:100'],
      superseded: [],
      failed: [],
    });
    expect(stored.get('top:24h')).toEqual(SNAPSHOT);
  });

  it("reports a key still refused after three attempts, with KV's message", async () => {
    const { kv, attempts } = recordingKv((key) => (key === 'top:24h' ? new Error(RATE_LIMITED) : undefined));
    const outcome = await writeWithFakeClock(kv);
    expect(outcome).toEqual({
      written: ['pre:24h:10', 'pre:24h:20', 'pre:24h:50', 'pre:24h:100'],
      superseded: [],
      failed: [{ key: 'top:24h', error: RATE_LIMITED }],
    });
    expect(attempts.get('top:24h')).toBe(3);
    expect(describeKvFailures(outcome.failed)).toBe(`1 KV write failed: top:24h: ${RATE_LIMITED}`);
    expect(
      describeKvFailures([
        { key: 'top:24h', error: 'a' },
        { key: 'pre:24h:10', error: 'b' },
      ]),
    ).toBe('2 KV writes failed: top:24h: a; pre:24h:10: b');
  });

  it('does not retry the daily write quota (a 429 that seconds do not lift)', async () => {
    const quota = new Error(
      'KV PUT failed: 429: your account has reached the free usage limit for this operation for today [code: 10048]',
    );
    const { kv, attempts } = recordingKv((key) => (key === 'top:24h' ? quota : undefined));
    expect((await writeWithFakeClock(kv)).failed).toEqual([{ key: 'top:24h', error: quota.message }]);
    expect(attempts.get('top:24h')).toBe(1);
  });

  it.each([
    [RATE_LIMITED, true],
    ['KV PUT failed: 429', true],
    ['Too Many Requests', true],
    ['KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.', false],
    ['KV PUT failed: 500 Internal Server Error', false],
    ['KV PUT failed: 4290 bytes', false],
  ])('%s: rate limited %s', (message, limited) => {
    expect(isKvRateLimited(new Error(message))).toBe(limited);
  });

  it('gives up on a retry when a newer copy landed meanwhile (likely the write the 429 was about)', async () => {
    const newer = { ...SNAPSHOT, generation: 3 };
    const { kv, stored, attempts } = recordingKv((key, attempt) => {
      if (key !== 'top:24h' || attempt > 1) return undefined;
      stored.set(key, newer);
      return new Error(RATE_LIMITED);
    });
    const outcome = await writeWithFakeClock(kv);
    expect(outcome.superseded).toEqual(['top:24h']);
    expect(attempts.get('top:24h')).toBe(1);
    expect(stored.get('top:24h')).toEqual(newer);
  });
});

describe('writeSnapshotToKv never replaces a newer copy', () => {
  it.each([
    ['a higher generation', true, { generation: 3, computedAt: 500 }],
    ['the same generation computed later', true, { generation: 2, computedAt: 1_001 }],
    ['the same snapshot', false, { generation: 2, computedAt: 1_000 }],
    ['the same generation computed earlier', false, { generation: 2, computedAt: 999 }],
    ['a lower generation', false, { generation: 1, computedAt: 5_000 }],
  ])('KV holds %s: left alone %s', async (_name, superseded, held) => {
    const { kv, stored } = recordingKv();
    const heldValue = { ...SNAPSHOT, ...held, videos: [] };
    stored.set('top:24h', heldValue);
    const outcome = await writeSnapshotToKv(kv, SNAPSHOT);
    expect(outcome.superseded).toEqual(superseded ? ['top:24h'] : []);
    expect(stored.get('top:24h')).toEqual(superseded ? heldValue : SNAPSHOT);
    // The other keys held nothing: written either way.
    expect(outcome.written).toContain('pre:24h:10');
  });

  it('overwrites what is not a snapshot of the window (another window, another shape)', async () => {
    const { kv, stored } = recordingKv();
    stored.set('top:24h', { ...SNAPSHOT, window: '7d', generation: 9 });
    stored.set('pre:24h:10', { generation: 9 });
    // The window's, but with a generation or a computedAt that is not a number.
    stored.set('pre:24h:20', { ...SNAPSHOT, generation: '9' });
    stored.set('pre:24h:50', { ...SNAPSHOT, computedAt: '5000' });
    expect((await writeSnapshotToKv(kv, SNAPSHOT)).superseded).toEqual([]);
    expect(stored.get('top:24h')).toEqual(SNAPSHOT);
    expect(stored.get('pre:24h:20')).toMatchObject({ generation: 2 });
    expect(stored.get('pre:24h:50')).toMatchObject({ computedAt: 1_000 });
  });
});

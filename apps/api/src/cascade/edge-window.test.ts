// The window's snapshot at the edge (issue 15 item 3): a data center's entries of one window are
// refreshed 30 s after their own stores, so they hold different computations; when a read's own
// entry is older than what the isolate already served (one snapshot per window), or is stale, the
// read used to go on to the aggregator, a round trip to another continent for most data centers.
// Now the window's snapshot, stored beside the entries, answers from the same data center.
import { env, exports } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  edgeWindowUrl,
  keyScope,
  kvTopKey,
  parseSnapshotETag,
  type TrendingSnapshot,
  writeSnapshotToKv,
} from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adminPost, api, fetchSettled, ingestVideo, newAggregator, refresh, until } from '../testing.ts';
import { faultyEnv } from '../testing-faults.ts';
import { aggregatorStub } from './aggregator-stub.ts';

const path = (limit: number) => `/v1/trending/videos?window=24h&limit=${limit}`;

/** A read, returning once its background work (fills, refreshes) has finished. */
async function settled(aggregator: string, limit: number, headers: Record<string, string> = {}) {
  return (await fetchSettled(aggregator, path(limit), { headers })).res;
}

/** The window's snapshot this data center holds, if any. */
async function windowEntry(aggregator: string): Promise<TrendingSnapshot | undefined> {
  const res = await caches.default.match(edgeWindowUrl('24h', keyScope(aggregator)));
  return res ? ((await res.json()) as TrendingSnapshot) : undefined;
}

async function ownEntryEtag(aggregator: string, limit: number): Promise<string | null> {
  const res = await caches.default.match(edgeCacheUrl('v1', '24h', limit, keyScope(aggregator)));
  await res?.body?.cancel();
  return res?.headers.get('etag') ?? null;
}

const computedAtOf = (res: Response) => parseSnapshotETag(res.headers.get('etag') ?? '')?.computedAt;

// The aggregator out of reach for one request: every read of it hangs past its budget, and KV fails.
const FAR_AWAY = { 'x-test-faults': 'do-hang,kv-throw' };

describe("the window's snapshot at the edge", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a read whose own entry is older than what the isolate served, without the aggregator', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    // Limit 20 is read first: its own entry holds computation C1.
    const first = await settled(aggregator, 20, { 'x-test-drop': 'memory' });
    expect(first.headers.get('x-cache')).toBe('MISS');

    // The aggregator computes C2; limit 10, read below the edge, serves it and stores the window.
    await refresh(aggregator, '24h');
    const newer = await settled(aggregator, 10, { 'x-test-drop': 'memory,edge' });
    expect(newer.headers.get('x-cache')).toBe('HIT-DO');
    expect(newer.headers.get('etag')).not.toBe(first.headers.get('etag'));
    await until(
      'the window stored at the edge',
      async () => (await windowEntry(aggregator))?.computedAt === computedAtOf(newer),
    );

    // Limit 20 again, with the aggregator out of reach: its own entry (C1) is older than C2, which
    // this isolate served, so the window's snapshot answers it, from this data center.
    const again = await settled(aggregator, 20, { 'x-test-drop': 'memory', ...FAR_AWAY });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(computedAtOf(again)).toBe(computedAtOf(newer));
    // And it became limit 20's own entry: the next read is a plain edge hit of C2.
    expect(await ownEntryEtag(aggregator, 20)).toBe(again.headers.get('etag'));
  });

  it("answers fresh when a read's own entry is stale and the window was stored since", async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const cold = await settled(aggregator, 20);
    expect(cold.headers.get('x-cache')).toBe('MISS');

    // 31 s on, limit 20's entry is stale. Another read of the window (limit 10) goes below the
    // edge and stores the window's newer snapshot.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await refresh(aggregator, '24h');
    const other = await settled(aggregator, 10, { 'x-test-drop': 'memory,edge' });
    expect(other.headers.get('x-cache')).toBe('HIT-DO');

    // Limit 20: answered fresh from the window's snapshot, not stale, not from the aggregator.
    const again = await settled(aggregator, 20, { 'x-test-drop': 'memory', ...FAR_AWAY });
    expect(again.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(computedAtOf(again)).toBe(computedAtOf(other));
  });

  it('moves a read off its own fresh entry within about a second of a newer snapshot another isolate stored', async () => {
    const aggregator = newAggregator();
    const scope = keyScope(aggregator);
    await ingestVideo(aggregator);
    // This isolate reads limit 37: its own entry holds computation C1, fresh for 30 s.
    const first = await settled(aggregator, 37, { 'x-test-drop': 'memory' });
    expect(first.headers.get('x-cache')).toBe('MISS');

    // The aggregator computes C2, and another isolate of this data center (the edge warmer of a
    // precompute run) stores it as limit 20's entry and the window's snapshot. This isolate has
    // not served C2: a client reading limit 20 there and limit 37 here saw two lists.
    await refresh(aggregator, '24h');
    const { snapshot } = await aggregatorStub(env, aggregator).read('24h');
    expect(snapshot.computedAt).toBeGreaterThan(computedAtOf(first) ?? Number.POSITIVE_INFINITY);
    await exports.EdgeWarmer.warm([{ format: 'v1', window: '24h', limit: 20 }], [snapshot], scope);
    expect(parseSnapshotETag((await ownEntryEtag(aggregator, 20)) ?? '')?.computedAt).toBe(
      snapshot.computedAt,
    );

    // Within about a second (edgeWindowWatchMs), limit 37 is answered from C2 at the edge, long
    // before its own entry turns stale.
    await until(
      'limit 37 answered from the newer snapshot',
      async () => {
        const res = await settled(aggregator, 37, { 'x-test-drop': 'memory', ...FAR_AWAY });
        return res.headers.get('x-cache') === 'HIT-EDGE' && computedAtOf(res) === snapshot.computedAt;
      },
      3_000,
    );
  });

  it("stores the window's snapshot when KV answers with one limit's slice, for the window's other limits", async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    // The miss computes C1 and writes KV: `top:24h` and the `pre:24h:{10,20,50,100}` slices.
    const cold = await settled(aggregator, 20);
    expect(cold.headers.get('x-cache')).toBe('MISS');

    // A data center that holds nothing of the window and whose aggregator fails (a far one's is
    // beyond its budget): KV's `pre:24h:20` answers limit 20.
    const far = await fetchSettled(aggregator, path(20), {
      headers: { 'x-test-drop': 'memory,edge' },
      bindings: faultyEnv({ aggregator: 'throw' }),
    });
    expect(far.res.headers.get('x-cache')).toBe('HIT-KV');
    expect(far.res.headers.get('etag')).toBe(cold.headers.get('etag'));

    // The window's whole top 100, read from KV behind the slice, is now the window's snapshot
    // here: limit 50, never read in this data center, is answered at the edge from C1.
    expect((await windowEntry(aggregator))?.computedAt).toBe(computedAtOf(cold));
    const other = await settled(aggregator, 50, { 'x-test-drop': 'memory', ...FAR_AWAY });
    expect(other.status).toBe(200);
    expect(other.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(computedAtOf(other)).toBe(computedAtOf(cold));
  });

  it("does not store KV's whole top 100 behind a slice when it is older than the slice", async () => {
    const aggregator = newAggregator();
    const scope = keyScope(aggregator);
    await ingestVideo(aggregator);
    const stub = aggregatorStub(env, aggregator);
    const older = (await stub.read('24h')).snapshot;
    await refresh(aggregator, '24h');
    const newer = (await stub.read('24h')).snapshot;
    expect(newer.computedAt).toBeGreaterThan(older.computedAt);
    // KV is eventually consistent: here the slices hold the newer computation, `top:24h` the older.
    await writeSnapshotToKv(env.TRENDING_KV, newer, scope);
    await env.TRENDING_KV.put(kvTopKey('24h', scope), JSON.stringify(older));

    const far = await fetchSettled(aggregator, path(20), {
      headers: { 'x-test-drop': 'memory,edge' },
      bindings: faultyEnv({ aggregator: 'throw' }),
    });
    expect(far.res.headers.get('x-cache')).toBe('HIT-KV');
    expect(computedAtOf(far.res)).toBe(newer.computedAt);
    // The older whole one would have answered the window's other limits with an older list.
    expect(await windowEntry(aggregator)).toBeUndefined();
  });

  it("does not store KV's whole top 100 behind a slice once the isolate has served a newer one", async () => {
    const aggregator = newAggregator();
    const scope = keyScope(aggregator);
    await ingestVideo(aggregator);
    // The miss computes C1 into KV; then the aggregator computes C2.
    const cold = await settled(aggregator, 20);
    await refresh(aggregator, '24h');

    // A far read: KV's slice answers C1, and the read of `top:24h` behind it is held up.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let topAsked = false;
    const kv = env.TRENDING_KV;
    const gatedKv = new Proxy(kv, {
      get(target, prop) {
        if (prop !== 'get') return Reflect.get(target, prop).bind(target);
        return async (key: string, options: KVNamespaceGetOptions<'json'>) => {
          if (key === kvTopKey('24h', scope)) {
            topAsked = true;
            await held;
          }
          return target.get(key, options);
        };
      },
    });
    const far = fetchSettled(aggregator, path(20), {
      headers: { 'x-test-drop': 'memory,edge' },
      bindings: { ...faultyEnv({ aggregator: 'throw' }), TRENDING_KV: gatedKv },
    });
    await until('the whole top 100 asked for', async () => topAsked);

    // Meanwhile a read that reaches the aggregator serves C2 and stores it as the window's snapshot.
    const near = await settled(aggregator, 10, { 'x-test-drop': 'memory,edge' });
    expect(near.headers.get('x-cache')).toBe('HIT-DO');
    await until('C2 stored', async () => (await windowEntry(aggregator))?.computedAt === computedAtOf(near));

    // The far read's C1 arrives last: it must not replace C2 at the edge.
    release();
    expect(computedAtOf((await far).res)).toBe(computedAtOf(cold));
    expect((await windowEntry(aggregator))?.computedAt).toBe(computedAtOf(near));
  });

  it('is written by the edge warmer and dropped by an invalidation', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const { snapshot } = await aggregatorStub(env, aggregator).read('24h');
    const scope = keyScope(aggregator);
    await exports.EdgeWarmer.warm([{ format: 'v1', window: '24h', limit: 10 }], [snapshot], scope);
    expect((await windowEntry(aggregator))?.computedAt).toBe(snapshot.computedAt);

    // Any read of the window is now answered from it at the edge, the aggregator out of reach.
    const sliced = await settled(aggregator, 37, { 'x-test-drop': 'memory', ...FAR_AWAY });
    expect(sliced.headers.get('x-cache')).toBe('HIT-EDGE');

    const res = await adminPost(aggregator, '/v1/admin/invalidate', { window: '24h' });
    expect(res.status).toBe(200);
    await until('the window purged from the edge', async () => (await windowEntry(aggregator)) === undefined);
    const after = await api(aggregator, path(37), { headers: { 'x-test-drop': 'memory' } });
    expect(after.headers.get('x-cache')).not.toBe('HIT-EDGE');
  });
});

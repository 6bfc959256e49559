// Edge freshness counts from when the entry was stored, capped by the snapshot's own age budget,
// and a stale entry is refreshed once per data center at a time (issue 12, item 2). Before, an
// entry refilled from an older snapshot (a 60 s-old aggregator snapshot, a 120 s-old KV value)
// was stale on arrival, and every isolate refreshed every hot key.
import { env } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  edgeRefreshLockUrl,
  edgeWindowUrl,
  keyScope,
  kvPrecomputedKey,
  type TrendingSnapshot,
} from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, fetchSettled, ingestVideo, newAggregator, refresh } from '../testing.ts';
import { aggregatorStub } from './aggregator-stub.ts';

const PATH = '/v1/trending/videos?window=24h&limit=10';
const edgeUrl = (aggregator: string) => edgeCacheUrl('v1', '24h', 10, keyScope(aggregator));
// One refresh per window and data center: the lock is the window's, shared by its reads' entries.
const lockUrl = (aggregator: string) => edgeRefreshLockUrl(edgeWindowUrl('24h', keyScope(aggregator)));

/** A read of PATH, returning once its background work (fills, refreshes) has finished. */
async function settled(aggregator: string, drop = ''): Promise<Response> {
  return (await fetchSettled(aggregator, PATH, drop ? { headers: { 'x-test-drop': drop } } : {})).res;
}

async function edgeEtag(aggregator: string): Promise<string | null> {
  const entry = await caches.default.match(edgeUrl(aggregator));
  await entry?.body?.cancel();
  return entry?.headers.get('etag') ?? null;
}

const aggregatorOf = (name: string) => aggregatorStub(env, name);

/** The aggregator's real snapshot, stored in KV as if computed `ageMs` ago; the aggregator forgets its own. */
async function kvValueAged(aggregator: string, ageMs: number): Promise<TrendingSnapshot> {
  const stub = aggregatorOf(aggregator);
  const { snapshot } = await stub.read('24h');
  const aged: TrendingSnapshot = { ...snapshot, computedAt: Date.now() - ageMs };
  await env.TRENDING_KV.put(kvPrecomputedKey('24h', 10, keyScope(aggregator)), JSON.stringify(aged), {
    expirationTtl: 300,
  });
  await stub.dropSnapshot('24h');
  return aged;
}

describe('edge freshness from storage time', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an entry refilled from a 120 s-old KV value is fresh at the edge for 30 s', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const aged = await kvValueAged(aggregator, 120_000);

    const fromKv = await settled(aggregator, 'memory,edge,do');
    expect(fromKv.headers.get('x-cache')).toBe('HIT-KV');
    expect(fromKv.headers.get('etag')).toContain(aged.computedAt.toString(36));
    // The edge now holds it, stored a moment ago: fresh, not stale on arrival.
    const fromEdge = await api(aggregator, PATH, { headers: { 'x-test-drop': 'memory' } });
    expect(fromEdge.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(fromEdge.headers.get('etag')).toBe(fromKv.headers.get('etag'));

    // 31 s later (the api's clock moved on) the same entry is stale, and served so.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await aggregatorOf(aggregator).dropSnapshot('24h');
    const later = await api(aggregator, PATH, { headers: { 'x-test-drop': 'memory' } });
    expect(later.headers.get('x-cache')).toBe('HIT-EDGE, STALE');
  });

  it('an entry stored a moment ago is not served once its computation is older than 300 s', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const aged = await kvValueAged(aggregator, 250_000);
    const fromKv = await settled(aggregator, 'memory,edge,do');
    expect(fromKv.headers.get('etag')).toContain(aged.computedAt.toString(36));

    // 20 s on, the snapshot is 270 s old: still served from the edge, fresh.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 20_000);
    const within = await api(aggregator, PATH, { headers: { 'x-test-drop': 'memory' } });
    expect(within.headers.get('x-cache')).toBe('HIT-EDGE');
    // 51 s on, it is 301 s old: past its age budget, the edge entry is not served at all.
    vi.setSystemTime(Date.now() + 31_000);
    const past = await api(aggregator, PATH, { headers: { 'x-test-drop': 'memory' } });
    expect(past.headers.get('x-cache')).not.toContain('HIT-EDGE');
    expect(past.headers.get('etag')).not.toContain(aged.computedAt.toString(36));
  });
});

describe('one refresh per data center', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a stale entry that another isolate is refreshing is served stale and left to it', async () => {
    const aggregator = newAggregator();
    await ingestVideo(aggregator);
    const cold = await settled(aggregator);
    expect(cold.headers.get('x-cache')).toBe('MISS');
    const first = await edgeEtag(aggregator);
    expect(first).toBe(cold.headers.get('etag'));

    // The aggregator computes a newer ranking; 31 s on, the api's edge entry is stale.
    await refresh(aggregator, '24h');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);

    // Another isolate of this data center holds the refresh lock: this one serves stale and
    // leaves the entry alone, even after all its background work has finished.
    await caches.default.put(
      lockUrl(aggregator),
      new Response('refreshing', { headers: { 'Cache-Control': 'max-age=10' } }),
    );
    const locked = await settled(aggregator);
    expect(locked.headers.get('x-cache')).toBe('HIT-EDGE, STALE');
    expect(await edgeEtag(aggregator)).toBe(first);
    expect(await caches.default.match(lockUrl(aggregator))).toBeDefined();

    // The lock gone (its holder finished or expired): the next stale read refreshes the entry
    // to the newer ranking, and releases the lock it took.
    await caches.default.delete(lockUrl(aggregator));
    const unlocked = await settled(aggregator);
    expect(unlocked.headers.get('x-cache')).toBe('HIT-EDGE, STALE');
    const refreshed = await edgeEtag(aggregator);
    expect(refreshed).not.toBe(first);
    expect(await caches.default.match(lockUrl(aggregator))).toBeUndefined();
    const fresh = await settled(aggregator, 'memory');
    expect(fresh.headers.get('x-cache')).toBe('HIT-EDGE');
    expect(fresh.headers.get('etag')).toBe(refreshed);
  });
});

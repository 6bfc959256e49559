// KV holds whatever any version of the precompute Worker wrote there: a value is served only if
// it is a snapshot (trending-core's TrendingSnapshotSchema) of the window asked for. Each test
// plants a value at the key the api reads, first shows a well-formed copy is served from KV,
// then that the planted one is not (the source answers instead).
import { env } from 'cloudflare:workers';
import {
  keyScope,
  kvPrecomputedKey,
  type TrendingSnapshot,
  type TrendingVideosResponse,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { api, ingestVideo, newAggregator, until } from '../testing.ts';

const PATH = '/v1/trending/videos?window=24h&limit=10';
const kvKey = (aggregator: string) => kvPrecomputedKey('24h', 10, keyScope(aggregator));
/** Read below the layers above KV, so that the answer is KV's if KV has a usable value. */
const readFromKv = (aggregator: string) =>
  api(aggregator, PATH, { headers: { 'x-test-drop': 'memory,edge,do' } });

/** One real video read once, with its KV value written by the read's fill; returns that value. */
async function stored(aggregator: string): Promise<TrendingSnapshot> {
  await ingestVideo(aggregator);
  const cold = await api(aggregator, PATH);
  expect(cold.headers.get('x-cache')).toBe('MISS');
  await cold.body?.cancel();
  await until('kv fill', async () => (await env.TRENDING_KV.get(kvKey(aggregator))) !== null);
  const value = await env.TRENDING_KV.get<TrendingSnapshot>(kvKey(aggregator), 'json');
  if (!value) throw new Error('nothing in KV');
  return value;
}

async function plant(aggregator: string, value: unknown): Promise<void> {
  await env.TRENDING_KV.put(kvKey(aggregator), JSON.stringify(value), { expirationTtl: 300 });
}

describe('KV values are validated before they are served', () => {
  it('a well-formed snapshot of the window is served from KV (control)', async () => {
    const aggregator = newAggregator();
    const real = await stored(aggregator);
    await plant(aggregator, { ...real, videos: real.videos.map((v) => ({ ...v, title: 'planted' })) });
    const res = await readFromKv(aggregator);
    expect(res.headers.get('x-cache')).toBe('HIT-KV');
    expect(((await res.json()) as TrendingVideosResponse).videos[0]?.title).toBe('planted');
  });

  it("another window's snapshot at this window's key is not served", async () => {
    const aggregator = newAggregator();
    const real = await stored(aggregator);
    await plant(aggregator, {
      ...real,
      window: '1h',
      videos: real.videos.map((v) => ({ ...v, title: 'planted' })),
    });
    const res = await readFromKv(aggregator);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('MISS');
    expect(((await res.json()) as TrendingVideosResponse).videos[0]?.title).not.toBe('planted');
  });

  it('a value whose videos are not of the snapshot shape is not served', async () => {
    const aggregator = newAggregator();
    const real = await stored(aggregator);
    // What a client would choke on: views as a string, no videoId.
    const broken = real.videos.map(({ videoId: _id, ...v }) => ({
      ...v,
      views: String(v.views),
      title: 'planted',
    }));
    await plant(aggregator, { ...real, videos: broken });
    const res = await readFromKv(aggregator);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('MISS');
    const body = (await res.json()) as TrendingVideosResponse;
    expect(body.videos[0]?.title).not.toBe('planted');
    expect(typeof body.videos[0]?.views).toBe('number');
  });
});

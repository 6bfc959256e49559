import type { TrendingVideosResponse } from '@openvine/trending-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  aggregatorStats,
  api,
  newAggregator,
  postJson,
  preflight,
  randomHex64,
  refresh,
  viewEnd,
} from '../testing.ts';

interface ErrorJson {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

describe('bad input gets a 4xx JSON error and changes nothing', () => {
  const aggregator = newAggregator();
  const videoId = randomHex64();
  let listBefore: string;
  let rowsBefore: unknown;

  beforeAll(async () => {
    await postJson(aggregator, '/v1/events/views', {
      events: Array.from({ length: 8 }, (_, i) => viewEnd(videoId, `v-${i}`)),
    });
    await refresh(aggregator, '1h', '24h', '7d');
    listBefore = await (await api(aggregator, '/v1/trending/videos?window=1h')).text();
    rowsBefore = (await aggregatorStats(aggregator)).rows;
  });

  async function expectUnchanged() {
    expect((await aggregatorStats(aggregator)).rows).toEqual(rowsBefore);
    await refresh(aggregator, '1h');
    const now = (await (
      await api(aggregator, '/v1/trending/videos?window=1h')
    ).json()) as TrendingVideosResponse;
    const before = JSON.parse(listBefore) as TrendingVideosResponse;
    // Scores decay with time; what was stored shows in ids, views and viewers.
    const stored = (list: TrendingVideosResponse) => list.videos.map(({ score: _s, ...rest }) => rest);
    expect(stored(now)).toEqual(stored(before));
  }

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['window=2h', 'window'],
  ])('GET /v1/trending/videos?%s is 400 naming %s', async (query, field) => {
    const res = await api(aggregator, `/v1/trending/videos?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.issues?.map((i) => i.path)).toContain(field);
  });

  const post = (body: string, contentType = 'application/json') =>
    api(aggregator, '/v1/events/views', { method: 'POST', headers: { 'content-type': contentType }, body });

  it('malformed JSON is 400 invalid_json', async () => {
    const res = await post('{"videoId": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_json');
    await expectUnchanged();
  });

  it('a body over 64 KiB is 413', async () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      viewEnd(videoId, `big-${i}`, { title: 'x'.repeat(290) }),
    );
    const body = JSON.stringify({ events, padding: 'y'.repeat(40_000) });
    expect(body.length).toBeGreaterThan(64 * 1024);
    const res = await post(body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorJson).error.code).toBe('payload_too_large');
    await expectUnchanged();
  });

  it('a non-JSON content type is 415', async () => {
    const res = await post(JSON.stringify(viewEnd(videoId, 'x')), 'text/plain');
    expect(res.status).toBe(415);
    await expectUnchanged();
  });

  it('an event without videoId is 400 naming the field', async () => {
    const res = await post(
      JSON.stringify({ events: [viewEnd(videoId, 'a'), { viewerId: 'b', eventType: 'view_end' }] }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.issues?.map((i) => i.path)).toContain('events.1.videoId');
    await expectUnchanged();
  });

  it.each(['abc', 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65)])('videoId %s is 400', async (bad) => {
    const res = await post(JSON.stringify(viewEnd(bad, 'viewer')));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.issues?.[0]).toMatchObject({
      path: 'videoId',
      message: 'must be 64 hexadecimal characters',
    });
    await expectUnchanged();
  });

  it('a batch of 101 events is 400 and stores none of them', async () => {
    const events = Array.from({ length: 101 }, (_, i) => viewEnd(videoId, `many-${i}`));
    const res = await post(JSON.stringify({ events }));
    expect(res.status).toBe(400);
    await expectUnchanged();
  });

  it('a timestamp in the future or older than 7 days is 400', async () => {
    for (const timestamp of [Date.now() + 3_600_000, Date.now() - 8 * 86_400_000]) {
      const res = await post(
        JSON.stringify({ events: [viewEnd(videoId, 'ok'), viewEnd(videoId, 't', { timestamp })] }),
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.issues?.[0]?.path).toBe('events.1.timestamp');
    }
    // Each one out of range is named, not only the first.
    const future = Date.now() + 3_600_000;
    const res = await post(
      JSON.stringify({
        events: [
          viewEnd(videoId, 'a', { timestamp: future }),
          viewEnd(videoId, 'ok'),
          viewEnd(videoId, 'b', { timestamp: future }),
        ],
      }),
    );
    expect(((await res.json()) as ErrorJson).error.issues?.map((i) => i.path)).toEqual([
      'events.0.timestamp',
      'events.2.timestamp',
    ]);
    await expectUnchanged();
  });
});

describe('routing errors', () => {
  const aggregator = newAggregator();

  it('unknown paths are 404 JSON', async () => {
    const res = await api(aggregator, '/v2/nothing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorJson).error.code).toBe('not_found');
  });

  it('a wrong method is 405 with Allow', async () => {
    const res = await api(aggregator, '/v1/trending/videos', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await res.json()) as ErrorJson).error.code).toBe('method_not_allowed');
    const get = await api(aggregator, '/v1/events/views');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('answers CORS preflights', async () => {
    const res = await preflight(aggregator, '/v1/events/views', 'POST');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    // A read-only path lets a browser send only its own methods: a POST fails at the preflight.
    const read = await preflight(aggregator, '/v1/trending/videos', 'POST');
    expect(read.status).toBe(204);
    expect(read.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
  });

  it('sends only the CORS headers a browser reads on an actual response', async () => {
    const res = await api(aggregator, '/v1/trending/videos?window=24h&limit=5', {
      headers: { origin: 'https://example.com' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Cache/);
    // Methods, request headers and max-age belong to the preflight (above).
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    expect(res.headers.get('access-control-max-age')).toBeNull();
  });

  it('health routes answer', async () => {
    const health = await api(aggregator, '/v1/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', aggregator: { ok: true } });
    const client = await api(aggregator, '/analytics/health');
    expect(client.status).toBe(200);
    expect(await client.json()).toMatchObject({ status: 'healthy' });
  });
});

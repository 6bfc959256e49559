// Evidence a client cannot forge (issue 14, item 3): viewer ids are the client's word, the
// network it sends from is not. One network's invented viewers do not rank; a real audience,
// from many networks, does; a backdated replay gets the per-viewer cap once.
import { env } from 'cloudflare:workers';
import {
  HOUR_MS,
  MINUTE_MS,
  RETENTION_MS,
  SCORING,
  type TrendingVideosResponse,
  type ViewEventInput,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from './env.ts';
import {
  aggregatorStats,
  api,
  countedOutcome,
  fetchSettled,
  fromViewer,
  ingestVideo,
  newAggregator,
  postJson,
  randomHex64,
  refresh,
  startClearOfHourTurn,
  TEST_INGEST_KEY,
  viewEnd,
} from './testing.ts';

async function top(aggregator: string, window = '1h', limit = 100) {
  await refresh(aggregator, '1h', '24h', '7d');
  const res = await api(aggregator, `/v1/trending/videos?window=${window}&limit=${limit}`);
  return ((await res.json()) as TrendingVideosResponse).videos;
}

/** 300 invented viewers of `videoId` within the last 10 minutes. */
function inventedViewers(videoId: string, count = 300): ViewEventInput[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) =>
    viewEnd(videoId, `invented-${i}`, { timestamp: now - (i % 10) * MINUTE_MS }),
  );
}

describe('network evidence', () => {
  it('one network sending 300 invented viewers of a new video within 10 minutes does not rank', async () => {
    const aggregator = newAggregator();
    // A real list to enter: three videos with 20 viewers each, each viewer on its own network.
    const real = [
      await ingestVideo(aggregator),
      await ingestVideo(aggregator),
      await ingestVideo(aggregator),
    ];
    const flood = randomHex64();
    const events = inventedViewers(flood);
    // Three requests of 100 from three addresses of one /24 (a rented block, or a NAT).
    for (let i = 0; i < 3; i++) {
      const outcome = await countedOutcome(aggregator, () =>
        postJson(
          aggregator,
          '/v1/events/views',
          { events: events.slice(i * 100, i * 100 + 100) },
          { 'cf-connecting-ip': `203.0.113.${10 + i}` },
        ),
      );
      expect(outcome).toEqual({ accepted: 100, duplicates: 0 });
    }
    const hour = await top(aggregator, '1h', 20);
    expect(hour.map((v) => v.videoId)).not.toContain(flood);
    expect(hour.map((v) => v.videoId).sort()).toEqual([...real].sort());
    for (const window of ['1h', '24h', '7d']) {
      expect(
        (await top(aggregator, window)).map((v) => v.videoId),
        window,
      ).not.toContain(flood);
    }
  });

  it('300 viewers from 300 networks (distinct /24s) rank, with every viewer shown', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const events = inventedViewers(videoId);
    // 300 phones, one event each, each on its own network.
    for (const [i, event] of events.entries()) {
      const res = await postJson(aggregator, '/v1/events/views', event, {
        'cf-connecting-ip': `198.${18 + (i >> 8)}.${i & 255}.${(i % 200) + 1}`,
      });
      expect(res.status).toBe(202);
    }
    expect(await top(aggregator, '1h', 20)).toMatchObject([{ videoId, views: 300, uniqueViewers: 300 }]);
  });

  it("300 viewers behind one carrier's NAT pool (16 /24s of its /20) rank, all of them shown", async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const events = inventedViewers(videoId);
    // A carrier-grade NAT gives each subscriber's flows one address of its pool: 100.64.16.0/20
    // here, 16 blocks of /24. One request per pool address, carrying the viewers behind it.
    for (let block = 0; block < 16; block++) {
      const behind = events.filter((_, i) => i % 16 === block);
      const res = await postJson(
        aggregator,
        '/v1/events/views',
        { events: behind },
        {
          'cf-connecting-ip': `100.64.${16 + block}.${block + 1}`,
        },
      );
      expect(res.status).toBe(202);
    }
    expect(await top(aggregator, '1h', 20)).toMatchObject([{ videoId, views: 300, uniqueViewers: 300 }]);
  });

  it('shows at most 20 viewers per network and hour in uniqueViewers, beside what real networks bring', async () => {
    const hourStarted = await startClearOfHourTurn();
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // A campus NAT: 100 viewers from one IPv6 /48, in one request.
    const campus = inventedViewers(videoId, 100);
    const res = await postJson(
      aggregator,
      '/v1/events/views',
      { events: campus },
      {
        'cf-connecting-ip': '2001:db8:ca:1::443',
      },
    );
    expect(res.status).toBe(202);
    // And 5 viewers elsewhere, each on its own network.
    for (let i = 0; i < 5; i++) {
      const home = await postJson(
        aggregator,
        '/v1/events/views',
        viewEnd(videoId, `home-${i}`),
        fromViewer(`home-${i}`),
      );
      expect(home.status).toBe(202);
    }
    expect(Math.floor(Date.now() / HOUR_MS), 'the test spanned two hours').toBe(hourStarted);
    const listed = (await top(aggregator)).find((v) => v.videoId === videoId);
    expect(listed).toMatchObject({ views: 25, uniqueViewers: 25 });
  });

  it('a 1,000-event backdated replay by one viewer adds at most the per-viewer cap', async () => {
    const hourStarted = await startClearOfHourTurn();
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const now = Date.now();
    // Spread over the last 7 days (every timestamp the api accepts): 169 hours of the client's clock.
    const replay = Array.from({ length: 1_000 }, (_, i) =>
      viewEnd(videoId, 'replayer', { timestamp: now - Math.floor((i * (RETENTION_MS - HOUR_MS)) / 1_000) }),
    );
    for (let i = 0; i < replay.length; i += 100) {
      const res = await postJson(
        aggregator,
        '/v1/events/views',
        { events: replay.slice(i, i + 100) },
        fromViewer('replayer'),
      );
      expect(res.status).toBe(202);
    }
    for (let i = 0; i < 4; i++) {
      await postJson(
        aggregator,
        '/v1/events/views',
        viewEnd(videoId, `friend-${i}`),
        fromViewer(`friend-${i}`),
      );
    }
    expect(Math.floor(Date.now() / HOUR_MS), 'the test spanned two hours').toBe(hourStarted);
    const week = (await top(aggregator, '7d')).find((v) => v.videoId === videoId);
    // The cap (1) once, plus one view from each friend.
    expect(week).toMatchObject({ views: SCORING.viewsCapPerViewerHour + 4, uniqueViewers: 5 });
  });
});

describe('ingest keys', () => {
  const pipeline = (key: string) => ({ 'cf-connecting-ip': '2001:db8:4:1::10', 'x-ingest-key': key });

  it("a keyed sender's clientIp is the viewer's network: 30 viewers on 30 networks rank, 30 on one do not", async () => {
    const aggregator = newAggregator();
    const [spread, oneBlock] = [randomHex64(), randomHex64()];
    const events = Array.from({ length: 30 }, (_, i) => [
      { ...viewEnd(spread, `cdn-viewer-${i}`), clientIp: `192.0.${i}.20` },
      { ...viewEnd(oneBlock, `cdn-viewer-${i}`), clientIp: `198.51.100.${i + 1}` },
    ]).flat();
    // One request, from the pipeline's one address.
    const outcome = await countedOutcome(aggregator, () =>
      postJson(aggregator, '/v1/events/views', { events }, pipeline(TEST_INGEST_KEY)),
    );
    expect(outcome).toEqual({ accepted: 60, duplicates: 0 });
    const listed = await top(aggregator);
    expect(listed.find((v) => v.videoId === spread)).toMatchObject({ views: 30, uniqueViewers: 30 });
    expect(listed.map((v) => v.videoId)).not.toContain(oneBlock);
  });

  it('an unknown or revoked key is a 401 envelope and stores nothing', async () => {
    const aggregator = newAggregator();
    const before = (await aggregatorStats(aggregator)).rows;
    const body = JSON.stringify({ events: [{ ...viewEnd(randomHex64(), 'v'), clientIp: '192.0.2.1' }] });
    const unknown = await postJson(aggregator, '/v1/events/views', JSON.parse(body), pipeline('not-a-key'));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({
      error: { code: 'invalid_ingest_key', message: 'Unknown or revoked ingest key' },
    });
    // The second sender's key works until its entry leaves INGEST_KEYS.
    const keys = JSON.parse((env as ApiEnv).INGEST_KEYS ?? '{}') as Record<string, string>;
    const workerKey = keys['test-worker'] ?? '';
    const { 'test-worker': _revoked, ...kept } = keys;
    const revoked = await fetchSettled(aggregator, '/v1/events/views', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...pipeline(workerKey) },
      body,
      bindings: { ...(env as ApiEnv), INGEST_KEYS: JSON.stringify(kept) },
    });
    expect(revoked.res.status).toBe(401);
    expect(JSON.parse(revoked.text)).toMatchObject({ error: { code: 'invalid_ingest_key' } });
    expect((await aggregatorStats(aggregator)).rows).toEqual(before);
    const accepted = await postJson(aggregator, '/v1/events/views', JSON.parse(body), pipeline(workerKey));
    expect(accepted.status).toBe(202);
  });

  it('without INGEST_KEYS a keyed request is a 503 misconfigured; anonymous ingest still works', async () => {
    const aggregator = newAggregator();
    const { INGEST_KEYS: _keys, ...unkeyed } = env as ApiEnv;
    const send = (headers: Record<string, string>) =>
      fetchSettled(aggregator, '/v1/events/views', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(viewEnd(randomHex64(), 'v')),
        bindings: unkeyed,
      });
    const keyed = await send(pipeline(TEST_INGEST_KEY));
    expect(keyed.res.status).toBe(503);
    expect(JSON.parse(keyed.text)).toMatchObject({ error: { code: 'misconfigured' } });
    expect((await send({ 'cf-connecting-ip': '192.0.2.5' })).res.status).toBe(202);
  });

  it('clientIp without a key, or one that is not an address, is a 400 and stores nothing', async () => {
    const aggregator = newAggregator();
    const before = (await aggregatorStats(aggregator)).rows;
    const videoId = randomHex64();
    const anonymous = await postJson(
      aggregator,
      '/v1/events/views',
      { events: [viewEnd(videoId, 'a'), { ...viewEnd(videoId, 'b'), clientIp: '192.0.2.1' }] },
      { 'cf-connecting-ip': '203.0.113.9' },
    );
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toMatchObject({
      error: {
        code: 'invalid_request',
        issues: [{ path: 'events.1.clientIp', message: 'clientIp needs an ingest key (x-ingest-key)' }],
      },
    });
    const garbled = await postJson(
      aggregator,
      '/v1/events/views',
      { ...viewEnd(videoId, 'c'), clientIp: 'example.com' },
      pipeline(TEST_INGEST_KEY),
    );
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({
      error: { issues: [{ path: 'clientIp', message: 'clientIp must be an IPv4 or IPv6 address' }] },
    });
    expect((await aggregatorStats(aggregator)).rows).toEqual(before);
  });
});

import { describe, expect, it } from 'vitest';
import { INGEST_LIMIT_UNDER_TEST, LIMITER_WINDOW_MS, startInFreshLimiterWindow } from '../test-limits.ts';
import {
  aggregatorStats,
  newAggregator,
  PIPELINE_ADDRESS,
  postAudience,
  postJson,
  randomHex64,
  viewEnd,
} from './testing.ts';

/** `count` view events of one video, in requests of 100, from the address `from(request)`. */
async function sendEvents(
  aggregator: string,
  videoId: string,
  count: number,
  from: (request: number) => string,
) {
  const statuses: number[] = [];
  for (let sent = 0, request = 0; sent < count; sent += 100, request++) {
    const events = Array.from({ length: Math.min(100, count - sent) }, (_, i) =>
      viewEnd(videoId, `viewer-${sent + i}`),
    );
    const res = await postJson(
      aggregator,
      '/v1/events/views',
      { events },
      { 'cf-connecting-ip': from(request) },
    );
    statuses.push(res.status);
  }
  return statuses;
}

describe('ingest rate per client, in events', () => {
  it(`answers 429 with Retry-After past ${INGEST_LIMIT_UNDER_TEST} events a minute from one IPv4 address, stores nothing of it, and limits each address alone`, async () => {
    // The limiter counts per wall-clock minute: every request below must fall in one of them.
    const window = await startInFreshLimiterWindow();
    const expectSameWindow = () =>
      expect(Math.floor(Date.now() / LIMITER_WINDOW_MS), 'the test spanned two limiter windows').toBe(window);
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const client = { 'cf-connecting-ip': '203.0.113.7' };
    // The whole budget in 10 requests (it counted requests: 10 were nothing).
    expect(await sendEvents(aggregator, videoId, INGEST_LIMIT_UNDER_TEST, () => '203.0.113.7')).toEqual(
      Array(INGEST_LIMIT_UNDER_TEST / 100).fill(202),
    );
    const rowsAtLimit = (await aggregatorStats(aggregator)).rows;

    const limited = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'one-more'), client);
    // Still in the window the limit was reached in, so the 429 below is the limit, not luck.
    expectSameWindow();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // The app's own route shares the client's budget.
    const app = await postJson(
      aggregator,
      '/analytics/view',
      { eventId: videoId, userId: 'app-user', eventType: 'view_end' },
      client,
    );
    expect(app.status).toBe(429);
    expect((await aggregatorStats(aggregator)).rows).toEqual(rowsAtLimit);

    // Another address, even in the same /24 (a carrier NAT's next address), is not affected.
    const neighbour = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'someone-else'), {
      'cf-connecting-ip': '203.0.113.8',
    });
    expect(neighbour.status).toBe(202);
    expectSameWindow();
  }, 90_000);

  it('counts an IPv6 client rotating through its /64 as one client, and another /64 as another', async () => {
    const window = await startInFreshLimiterWindow();
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // Every request from another address of 2001:db8:77:1::/64.
    const rotating = (request: number) => `2001:db8:77:1:${(request + 1).toString(16)}::${request + 7}`;
    expect(await sendEvents(aggregator, videoId, INGEST_LIMIT_UNDER_TEST, rotating)).toEqual(
      Array(INGEST_LIMIT_UNDER_TEST / 100).fill(202),
    );
    const rotated = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'rotated'), {
      'cf-connecting-ip': '2001:db8:77:1:abcd:ef01:2345:6789',
    });
    expect(Math.floor(Date.now() / LIMITER_WINDOW_MS), 'the test spanned two limiter windows').toBe(window);
    expect(rotated.status).toBe(429);
    const nextSubnet = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'next-door'), {
      'cf-connecting-ip': '2001:db8:77:2::1',
    });
    expect(nextSubnet.status).toBe(202);
  }, 90_000);

  it("does not limit an ingest-key sender as one client: its events are many viewers' (it is stopped by revoking its key)", async () => {
    const window = await startInFreshLimiterWindow();
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // 1,100 events of 1,100 viewers through one pipeline address: past the limit for one client.
    for (let sent = 0; sent < INGEST_LIMIT_UNDER_TEST + 100; sent += 100) {
      const events = Array.from({ length: 100 }, (_, i) => viewEnd(videoId, `pipeline-viewer-${sent + i}`));
      expect((await postAudience(aggregator, events)).status).toBe(202);
    }
    expect(Math.floor(Date.now() / LIMITER_WINDOW_MS), 'the test spanned two limiter windows').toBe(window);
    // The pipeline's own address, anonymous, is an ordinary client with its whole budget.
    const anonymous = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'ops'), {
      'cf-connecting-ip': PIPELINE_ADDRESS,
    });
    expect(anonymous.status).toBe(202);
  }, 90_000);
});

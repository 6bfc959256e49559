import { describe, expect, it } from 'vitest';
import { INGEST_LIMIT_UNDER_TEST, LIMITER_WINDOW_MS, startInFreshLimiterWindow } from '../test-limits.ts';
import { aggregatorStats, newAggregator, postJson, randomHex64, viewEnd } from './testing.ts';

describe('ingest rate per client', () => {
  it(`answers 429 with Retry-After past ${INGEST_LIMIT_UNDER_TEST} requests a minute, stores nothing of it, and limits each client alone`, async () => {
    // The limiter counts per wall-clock minute: every request below must fall in one of them.
    const window = await startInFreshLimiterWindow();
    const expectSameWindow = () =>
      expect(Math.floor(Date.now() / LIMITER_WINDOW_MS), 'the test spanned two limiter windows').toBe(window);
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const client = { 'cf-connecting-ip': '203.0.113.7' };
    for (let i = 0; i < INGEST_LIMIT_UNDER_TEST; i++) {
      const res = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, `viewer-${i}`), client);
      expect(res.status).toBe(202);
    }
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

    // Another client is not affected.
    const other = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'someone-else'), {
      'cf-connecting-ip': '198.51.100.2',
    });
    expect(other.status).toBe(202);
    expectSameWindow();
    // The wait for a fresh window (under LIMITER_TEST_BUDGET_MS) comes on top of the test itself.
  }, 90_000);
});

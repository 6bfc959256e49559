import { describe, expect, it } from 'vitest';
import { INGEST_LIMIT_UNDER_TEST } from '../test-limits.ts';
import { aggregatorStats, newAggregator, postJson, randomHex64, viewEnd } from './testing.ts';

describe('ingest rate per client', () => {
  it(`answers 429 with Retry-After past ${INGEST_LIMIT_UNDER_TEST} requests a minute, stores nothing of it, and limits each client alone`, async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const client = { 'cf-connecting-ip': '203.0.113.7' };
    for (let i = 0; i < INGEST_LIMIT_UNDER_TEST; i++) {
      const res = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, `viewer-${i}`), client);
      expect(res.status).toBe(202);
    }
    const rowsAtLimit = (await aggregatorStats(aggregator)).rows;

    const limited = await postJson(aggregator, '/v1/events/views', viewEnd(videoId, 'one-more'), client);
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
  });
});

// POST /v1/admin/seed stays within the platform's per-invocation limits (issue 12, item 7):
// Analytics Engine takes at most 250 data points per Worker invocation, and a seed used to
// write up to 50,000 in one.
import { describe, expect, it } from 'vitest';
import { adminPost, aggregatorStats, api, newAggregator } from '../testing.ts';

interface SeedPage {
  videos: number;
  events: number;
  offset: number;
  ingested: number;
  accepted: number;
  duplicates: number;
  next: Record<string, unknown> | null;
}

/** Follows `next` to the end; returns each page and the data points its invocation wrote. */
async function seedAll(aggregator: string, first: Record<string, unknown>) {
  const pages: { page: SeedPage; writes: number }[] = [];
  let body: Record<string, unknown> | null = first;
  while (body) {
    const res = await api(aggregator, '/v1/admin/seed', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer test-admin-token',
        'x-test-count-writes': '1',
      },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const writes = res.headers.get('x-test-analytics-writes');
    expect(writes).not.toBeNull();
    const page = (await res.json()) as SeedPage;
    pages.push({ page, writes: Number(writes) });
    body = page.next;
    if (pages.length > 100) throw new Error('seeding does not end');
  }
  return pages;
}

describe('POST /v1/admin/seed pages within the per-invocation limit', () => {
  it('1,000 events: 5 requests of 200, none writing more than 250 points, all counted', async () => {
    const aggregator = newAggregator();
    const pages = await seedAll(aggregator, { events: 1000, videos: 20, seed: 11 });
    for (const { writes } of pages) expect(writes).toBeLessThanOrEqual(250);
    // Every event is new: one point each, 200 per invocation.
    expect(pages.map((p) => p.writes)).toEqual([200, 200, 200, 200, 200]);
    // 1,000 events / 200 per request = 5 requests.
    expect(pages.map((p) => p.page.offset)).toEqual([0, 200, 400, 600, 800]);
    expect(pages.map((p) => p.page.ingested)).toEqual([200, 200, 200, 200, 200]);
    expect(pages.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1000);
    // Every event carries its own idempotency key: 1,000 stored.
    expect((await aggregatorStats(aggregator)).rows.seenKeys).toBe(1000);
  });

  it('the last page is short and its next is null; an uneven size ends exactly', async () => {
    const aggregator = newAggregator();
    const pages = await seedAll(aggregator, { events: 1050, videos: 20, seed: 12 });
    // 1,050 = 5 * 200 + 50: six requests.
    expect(pages.map((p) => p.page.ingested)).toEqual([200, 200, 200, 200, 200, 50]);
    expect(pages.at(-1)?.page.next).toBeNull();
    expect(pages.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1050);
    expect((await aggregatorStats(aggregator)).rows.seenKeys).toBe(1050);
  });

  it('seeding again counts nothing twice and writes no point', async () => {
    const aggregator = newAggregator();
    const first = await seedAll(aggregator, { events: 1000, videos: 20, seed: 13 });
    const again = await seedAll(aggregator, { events: 1000, videos: 20, seed: 13 });
    expect(first.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1000);
    expect(again.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(0);
    expect(again.reduce((sum, p) => sum + p.page.duplicates, 0)).toBe(1000);
    expect(again.map((p) => p.writes)).toEqual([0, 0, 0, 0, 0]);
    expect((await aggregatorStats(aggregator)).rows.seenKeys).toBe(1000);
  });

  it('refuses a stale or future cursor and an offset past the end', async () => {
    const aggregator = newAggregator();
    const now = Date.now();
    for (const body of [
      { events: 1000, now: now - 2 * 3_600_000, offset: 200 },
      { events: 1000, now: now + 3_600_000, offset: 200 },
      { events: 1000, offset: 1000 },
    ]) {
      expect((await adminPost(aggregator, '/v1/admin/seed', body)).status).toBe(400);
    }
    expect((await aggregatorStats(aggregator)).rows.seenKeys).toBe(0);
  });
});

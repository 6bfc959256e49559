// POST /v1/admin/seed stays within the platform's per-invocation limits (issue 12, item 7):
// Analytics Engine takes at most 250 data points per Worker invocation, and a seed used to
// write up to 50,000 in one. The view record is written by the aggregator when it commits a batch
// (apps/aggregator/src/view-record.ts), so the limit applies to each ingest RPC invocation of the
// aggregator, which the seed calls with at most 100 events (MAX_EVENTS_PER_BATCH; the seed goes
// straight to the aggregator, not through the queue): at most 100 points, and a seed page of 200
// events is two of them. The api's own invocation writes no view point. What a
// page wrote is counted through the Analytics Engine stand-in, per page: the points of the
// workload's videos after the page, less those before it.
import { generateDemoData } from '@openvine/trending-core/demo-data';
import { describe, expect, it } from 'vitest';
import {
  adminPost,
  aggregatorStats,
  api,
  newAggregator,
  postJson,
  randomHex64,
  refresh,
  until,
  viewEnd,
  viewEventPoints,
} from '../testing.ts';

interface SeedPage {
  videos: number;
  events: number;
  offset: number;
  ingested: number;
  accepted: number;
  duplicates: number;
  videosRegistered: number;
  next: Record<string, unknown> | null;
}

interface Workload {
  events: number;
  videos: number;
  /** Seeds 11, 12 and 13 are used by this file only, so their videos' points are this file's. */
  seed: number;
}

/**
 * The view points recorded so far for the workload's videos (their ids depend only on the seed
 * and the video count), once everything the aggregator wrote before this call has reached the
 * stand-in: points are not awaited (as with the real binding), so one more event is sent through
 * the same aggregator and its point waited for; one object's points arrive in order.
 */
async function recordedPoints(aggregator: string, workload: Workload): Promise<number> {
  sentinels.set(aggregator, (sentinels.get(aggregator) ?? 0) + 1);
  const sentinel = randomHex64();
  expect((await postJson(aggregator, '/v1/events/views', viewEnd(sentinel, 'sentinel'))).status).toBe(202);
  await until('the sentinel point', async () => (await viewEventPoints(sentinel)).length === 1);
  const { videos } = generateDemoData({ now: 0, ...workload });
  const counts = await Promise.all(videos.map(async (v) => (await viewEventPoints(v.videoId)).length));
  return counts.reduce((sum, n) => sum + n, 0);
}

/**
 * Sentinel events sent per aggregator: each is stored with a dedup key of its own (the api gives
 * every event one before it is enqueued), beside the workload's.
 */
const sentinels = new Map<string, number>();

/** Idempotency keys the aggregator stores, less the sentinels'. */
async function workloadKeys(aggregator: string): Promise<number> {
  return (await aggregatorStats(aggregator)).rows.seenKeys - (sentinels.get(aggregator) ?? 0);
}

/** Follows `next` to the end; returns each page and the view points it wrote. */
async function seedAll(aggregator: string, workload: Workload) {
  const pages: { page: SeedPage; writes: number }[] = [];
  let before = await recordedPoints(aggregator, workload);
  let body: Record<string, unknown> | null = { ...workload };
  while (body) {
    const res = await api(aggregator, '/v1/admin/seed', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as SeedPage;
    const after = await recordedPoints(aggregator, workload);
    pages.push({ page, writes: after - before });
    before = after;
    body = page.next;
    if (pages.length > 100) throw new Error('seeding does not end');
  }
  return pages;
}

describe('POST /v1/admin/seed pages within the per-invocation limit', () => {
  it('1,000 events: 5 requests of 200, one point per event, all counted', async () => {
    const aggregator = newAggregator();
    const pages = await seedAll(aggregator, { events: 1000, videos: 20, seed: 11 });
    // Every event is new: one point each, 200 per page (two ingest invocations of 100).
    expect(pages.map((p) => p.writes)).toEqual([200, 200, 200, 200, 200]);
    // 1,000 events / 200 per request = 5 requests.
    expect(pages.map((p) => p.page.offset)).toEqual([0, 200, 400, 600, 800]);
    expect(pages.map((p) => p.page.ingested)).toEqual([200, 200, 200, 200, 200]);
    expect(pages.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1000);
    // Every event carries its own idempotency key: 1,000 stored.
    expect(await workloadKeys(aggregator)).toBe(1000);
  });

  it('the last page is short and its next is null; an uneven size ends exactly', async () => {
    const aggregator = newAggregator();
    const pages = await seedAll(aggregator, { events: 1050, videos: 20, seed: 12 });
    // 1,050 = 5 * 200 + 50: six requests, one point per event.
    expect(pages.map((p) => p.page.ingested)).toEqual([200, 200, 200, 200, 200, 50]);
    expect(pages.map((p) => p.writes)).toEqual([200, 200, 200, 200, 200, 50]);
    expect(pages.at(-1)?.page.next).toBeNull();
    expect(pages.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1050);
    expect(await workloadKeys(aggregator)).toBe(1050);
  });

  it('seeding again counts nothing twice and writes no point', async () => {
    const aggregator = newAggregator();
    const first = await seedAll(aggregator, { events: 1000, videos: 20, seed: 13 });
    const again = await seedAll(aggregator, { events: 1000, videos: 20, seed: 13 });
    expect(first.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(1000);
    expect(first.reduce((sum, p) => sum + p.writes, 0)).toBe(1000);
    expect(again.reduce((sum, p) => sum + p.page.accepted, 0)).toBe(0);
    expect(again.reduce((sum, p) => sum + p.page.duplicates, 0)).toBe(1000);
    expect(again.map((p) => p.writes)).toEqual([0, 0, 0, 0, 0]);
    expect(await workloadKeys(aggregator)).toBe(1000);
  });

  it("registers the workload's signed video events on the first page: titles and creators rank", async () => {
    const aggregator = newAggregator();
    const workload = { events: 1000, videos: 20, seed: 14 };
    const pages = await seedAll(aggregator, workload);
    expect(pages.map((p) => p.page.videosRegistered)).toEqual([20, 0, 0, 0, 0]);
    await refresh(aggregator, '7d');
    const { videos } = generateDemoData({ now: 0, ...workload });
    const demo = new Map(videos.map((v) => [v.videoId, v]));
    const ranked = (
      (await (await api(aggregator, '/v1/trending/videos?window=7d&limit=100')).json()) as {
        videos: { videoId: string; title?: string; creatorPubkey?: string }[];
      }
    ).videos;
    expect(ranked.length).toBeGreaterThan(0);
    for (const video of ranked) {
      expect(video.title).toBe(demo.get(video.videoId)?.title);
      expect(video.creatorPubkey).toBe(demo.get(video.videoId)?.creatorPubkey);
    }
  });

  it('refuses a stale or future cursor, an offset past the end and a body that is no object', async () => {
    const aggregator = newAggregator();
    const now = Date.now();
    for (const body of [
      { events: 1000, now: now - 2 * 3_600_000, offset: 200 },
      { events: 1000, now: now + 3_600_000, offset: 200 },
      { events: 1000, offset: 1000 },
      // Not an object: every field has a default, so these must not seed the default workload.
      [],
      [{ events: 1000 }],
      null,
      'seed',
    ]) {
      expect((await adminPost(aggregator, '/v1/admin/seed', body)).status).toBe(400);
    }
    expect((await aggregatorStats(aggregator)).rows.seenKeys).toBe(0);
  });
});

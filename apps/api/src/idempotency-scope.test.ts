// Idempotency keys are the client's, scoped to its network (CF-Connecting-IP's /24 or /48) and the
// video: a key another network sent first, or sent for another video, swallows no view.
import type { TrendingVideosResponse } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  countedOutcome,
  newAggregator,
  postAudience,
  postJson,
  randomHex64,
  refresh,
  viewEnd,
} from './testing.ts';

const from = (address: string) => ({ 'cf-connecting-ip': address });

/**
 * Views ranked videos need: MIN_UNIQUE_VIEWERS (5) keyless views, each from a network of its own
 * (through the test pipeline's ingest key: MIN_DISTINCT_NETWORKS is 3).
 */
const BASELINE = 5;

/**
 * Each video's views beyond its baseline (those of the test's own events), read once: a second
 * read could be answered from the api's caches.
 */
async function viewsOf(aggregator: string, ...videoIds: string[]): Promise<(number | undefined)[]> {
  for (const videoId of videoIds) {
    const baseline = Array.from({ length: BASELINE }, (_, i) => viewEnd(videoId, `baseline-${i}`));
    const outcome = await countedOutcome(aggregator, () => postAudience(aggregator, baseline));
    expect(outcome).toEqual({ accepted: BASELINE, duplicates: 0 });
  }
  await refresh(aggregator, '1h');
  const res = await api(aggregator, '/v1/trending/videos?window=1h&limit=100');
  const { videos } = (await res.json()) as TrendingVideosResponse;
  return videoIds.map((videoId) => {
    const views = videos.find((v) => v.videoId === videoId)?.views;
    return views === undefined ? undefined : views - BASELINE;
  });
}

describe('idempotency keys are scoped to the client network and the video', () => {
  it('a key claimed from another network does not swallow this network’s view', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // The claimer sends the victim's key first, from its own network.
    const claim = await countedOutcome(aggregator, () =>
      postJson(
        aggregator,
        '/v1/events/views',
        viewEnd(videoId, 'claimer', { idempotencyKey: 'view-42' }),
        from('198.51.100.7'),
      ),
    );
    expect(claim).toEqual({ accepted: 1, duplicates: 0 });
    const victim = await countedOutcome(aggregator, () =>
      postJson(
        aggregator,
        '/v1/events/views',
        viewEnd(videoId, 'victim', { idempotencyKey: 'view-42' }),
        from('203.0.113.5'),
      ),
    );
    expect(victim).toEqual({ accepted: 1, duplicates: 0 });
    expect(await viewsOf(aggregator, videoId)).toEqual([2]);
  });

  it('tells IPv6 /48s apart, and an IPv4-mapped address is its IPv4 network', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const event = viewEnd(videoId, 'viewer', { idempotencyKey: 'v6-key' });
    const send = (address: string) =>
      countedOutcome(aggregator, () => postJson(aggregator, '/v1/events/views', event, from(address)));
    expect(await send('2001:db8:1::5')).toEqual({ accepted: 1, duplicates: 0 });
    expect(await send('2001:db8:2::5')).toEqual({ accepted: 1, duplicates: 0 });
    // The same /48 written another way: a retry.
    expect(await send('2001:0db8:0001:ffff::9')).toEqual({ accepted: 0, duplicates: 1 });
    expect(await send('192.0.2.10')).toEqual({ accepted: 1, duplicates: 0 });
    expect(await send('::ffff:192.0.2.200')).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('a retry from the same network counts once, even from another address in it', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const event = viewEnd(videoId, 'viewer', { idempotencyKey: 'retry-me' });
    const first = await countedOutcome(aggregator, () =>
      postJson(aggregator, '/v1/events/views', event, from('203.0.113.5')),
    );
    expect(first).toEqual({ accepted: 1, duplicates: 0 });
    const retry = await countedOutcome(aggregator, () =>
      postJson(aggregator, '/v1/events/views', event, from('203.0.113.77')),
    );
    expect(retry).toEqual({ accepted: 0, duplicates: 1 });
    expect(await viewsOf(aggregator, videoId)).toEqual([1]);
  });

  it('the same key for another video is another view', async () => {
    const aggregator = newAggregator();
    const [one, other] = [randomHex64(), randomHex64()];
    const client = from('203.0.113.5');
    const outcome = await countedOutcome(aggregator, () =>
      postJson(
        aggregator,
        '/v1/events/views',
        {
          events: [
            viewEnd(one, 'viewer', { idempotencyKey: 'shared' }),
            viewEnd(other, 'viewer', { idempotencyKey: 'shared' }),
          ],
        },
        client,
      ),
    );
    expect(outcome).toEqual({ accepted: 2, duplicates: 0 });
    expect(await viewsOf(aggregator, one, other)).toEqual([1, 1]);
  });

  it('the app’s retry key (eventId, userId, eventType, timestamp) is scoped to the network too', async () => {
    const aggregator = newAggregator();
    const eventId = randomHex64();
    // Signed out (userId null): each address is a viewer of its own, so the per-viewer cap (one
    // view an hour) leaves every view that the key lets through to count.
    const body = {
      eventId,
      userId: null,
      eventType: 'view_end',
      timestamp: '2025-12-13T19:30:58.123456',
      watchDuration: 6000,
      totalDuration: 6000,
    };
    for (const address of ['198.51.100.7', '203.0.113.5', '203.0.113.6']) {
      expect((await postJson(aggregator, '/analytics/view', body, from(address))).status).toBe(200);
    }
    // The claim from 198.51.100.0/24 and the view from 203.0.113.0/24; the retry from the same /24
    // (another address of its NAT) counted once.
    expect(await viewsOf(aggregator, eventId)).toEqual([2]);
  });
});

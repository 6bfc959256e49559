// The production record: every accepted view event is written to Analytics Engine (VIEW_EVENTS)
// exactly once, and nothing else is. VIEW_EVENTS is bound to a recording stand-in under test
// (scripts/lib/ae-record-stand-in.js): Miniflare's own dataset binding drops every point.

import type { ViewEventInput } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  countedOutcome,
  ingestCounts,
  newAggregator,
  postJson,
  type RecordedPoint,
  randomHex64,
  until,
  viewEnd,
  viewEventPoints,
} from './testing.ts';

/**
 * HMAC-SHA-256(VIEWER_KEY_SECRET, `openvine-viewer:${id}`), first 16 bytes in hex: the keys viewer
 * ids are stored as, with the secret vitest.config.ts gives the api.
 */
const VIEWER_KEY = {
  alice: '2d30459113bd073f01cb928778aa1fa3',
  bob: '97b9f9898ce2ece75ce4c4705aefdce6',
  carol: '8d130d57f4a9bf1ccbeee9dcd5d6c14f',
  'app-user-1': 'a270298e0f7c2a10f2ec36210052083b',
} as const;

/** HMAC-SHA-256(VIEWER_KEY_SECRET, `openvine-network:${clientNetwork(address)}`), likewise. */
const NETWORK_KEY = {
  '198.51.100.0/24': 'bc09b74ace6d225778fa8b2ca762d95a',
  '203.0.113.0/24': '479435ca043163883a3804d89bcb27f0',
} as const;

/**
 * Waits until everything written before this call has reached the record: points are written
 * without being awaited (as the real binding is), so a missing point cannot be told from a late
 * one by waiting; instead one more accepted event is sent and waited for. Sequential requests'
 * points arrive in order, so once it is there the earlier ones are too.
 */
async function settled(aggregator: string): Promise<void> {
  const sentinel = randomHex64();
  const res = await postJson(aggregator, '/v1/events/views', viewEnd(sentinel, 'sentinel'));
  expect(res.status).toBe(202);
  await until('the sentinel point', async () => (await viewEventPoints(sentinel)).length === 1);
}

async function pointsOf(aggregator: string, videoId: string): Promise<RecordedPoint[]> {
  await settled(aggregator);
  return viewEventPoints(videoId);
}

describe('Analytics Engine record of view events (VIEW_EVENTS)', () => {
  it('writes one point per accepted event, in the documented layout', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const creator = 'e'.repeat(64);
    const at = Date.now() - 60_000;
    const res = await postJson(
      aggregator,
      '/v1/events/views',
      {
        events: [
          {
            videoId,
            viewerId: 'alice',
            eventType: 'view_end',
            timestamp: at,
            watchMs: 4500,
            durationMs: 6000,
            loops: 2,
            creatorPubkey: creator,
            hashtags: ['#Cats', 'dogs'],
            title: 'A cat and a dog',
            country: 'de',
            source: 'feed',
          },
          { videoId, viewerId: 'bob', eventType: 'view_start', timestamp: at },
          { videoId, viewerId: 'carol', eventType: 'view_end', timestamp: at, completion: 0.25 },
        ],
      },
      { 'cf-connecting-ip': '198.51.100.23' },
    );
    expect(await res.json()).toEqual({ accepted: 3 });
    expect(await ingestCounts(aggregator)).toEqual({ events: 3, duplicates: 0 });

    const points = await pointsOf(aggregator, videoId);
    expect(points).toEqual([
      {
        indexes: [videoId],
        // eventType, viewer key, creator, country (upper-cased), source, hashtags (no #, lower-cased),
        // title, the client's network key (its /24)
        blobs: [
          'view_end',
          VIEWER_KEY.alice,
          creator,
          'DE',
          'feed',
          'cats,dogs',
          'A cat and a dog',
          NETWORK_KEY['198.51.100.0/24'],
        ],
        // timestamp, watchMs, durationMs, completion 4500 / 6000 = 0.75, loops
        doubles: [at, 4500, 6000, 0.75, 2],
      },
      {
        indexes: [videoId],
        blobs: ['view_start', VIEWER_KEY.bob, '', '', '', '', '', NETWORK_KEY['198.51.100.0/24']],
        // no durations: 0, 0; no completion: -1; no loops: 0
        doubles: [at, 0, 0, -1, 0],
      },
      {
        indexes: [videoId],
        blobs: ['view_end', VIEWER_KEY.carol, '', '', '', '', '', NETWORK_KEY['198.51.100.0/24']],
        doubles: [at, 0, 0, 0.25, 0],
      },
    ]);
  });

  it('a retried batch with the same idempotency keys writes nothing more; only its new key counts', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const event = (viewer: string, key: string) => viewEnd(videoId, viewer, { idempotencyKey: key });
    const batch = [event('alice', 'k1'), event('bob', 'k2'), event('carol', 'k3')];

    const send = (events: ViewEventInput[]) => () => postJson(aggregator, '/v1/events/views', { events });
    expect(await countedOutcome(aggregator, send(batch))).toEqual({ accepted: 3, duplicates: 0 });
    expect(await countedOutcome(aggregator, send(batch))).toEqual({ accepted: 0, duplicates: 3 });
    expect((await pointsOf(aggregator, videoId)).length).toBe(3);

    // A retry overlapping the first batch (k2, k3) with one new event (k4, dave): one more point.
    const overlap = [event('bob', 'k2'), event('carol', 'k3'), event('dave', 'k4')];
    expect(await countedOutcome(aggregator, send(overlap))).toEqual({ accepted: 1, duplicates: 2 });
    const points = await pointsOf(aggregator, videoId);
    // 3 from the first batch + 1 (k4) = 4, the last one dave's.
    expect(points.length).toBe(4);
    expect(points.map((p) => p.blobs[1])).toEqual([
      VIEWER_KEY.alice,
      VIEWER_KEY.bob,
      VIEWER_KEY.carol,
      'b809ac9ddfc1dc91cc16e3573a78376e', // dave
    ]);
  });

  it('a repeat inside one batch writes one point', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const event = viewEnd(videoId, 'alice', { idempotencyKey: 'same' });
    const send = () => postJson(aggregator, '/v1/events/views', { events: [event, event, event] });
    expect(await countedOutcome(aggregator, send)).toEqual({ accepted: 1, duplicates: 2 });
    expect((await pointsOf(aggregator, videoId)).length).toBe(1);
  });

  it('POST /analytics/view retried (same eventId, userId, eventType, timestamp) writes one point', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const view = {
      eventId: videoId,
      userId: 'app-user-1',
      eventType: 'view_end',
      timestamp: '2026-11-30T10:00:00.000',
      watchDuration: 3000,
      totalDuration: 6000,
      loopCount: 1,
      source: 'home',
      hashtags: ['#Cats'],
      title: 'from the app',
      creatorPubkey: 'f'.repeat(64),
    };
    const before = Date.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(
        (await postJson(aggregator, '/analytics/view', view, { 'cf-connecting-ip': '203.0.113.7' })).status,
      ).toBe(200);
    }
    const after = Date.now();
    const points = await pointsOf(aggregator, videoId);
    expect(points.length).toBe(1);
    const [point] = points;
    expect(point?.indexes).toEqual([videoId]);
    expect(point?.blobs).toEqual([
      'view_end',
      VIEWER_KEY['app-user-1'],
      'f'.repeat(64),
      '',
      'home',
      'cats',
      'from the app',
      NETWORK_KEY['203.0.113.0/24'],
    ]);
    // The event time is the server's receive time (the app's timestamp has no zone).
    expect(point?.doubles.slice(1)).toEqual([3000, 6000, 0.5, 1]); // completion 3000 / 6000
    expect(point?.doubles[0]).toBeGreaterThanOrEqual(before);
    expect(point?.doubles[0]).toBeLessThanOrEqual(after);

    // The same view at another local time is another view: one more point.
    const later = await postJson(aggregator, '/analytics/view', {
      ...view,
      timestamp: '2026-11-30T10:05:00.000',
    });
    expect(later.status).toBe(200);
    expect((await pointsOf(aggregator, videoId)).length).toBe(2);
  });

  it('a rejected request (400) writes nothing, not even its valid events', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const invalidBatch = await postJson(aggregator, '/v1/events/views', {
      events: [viewEnd(videoId, 'alice'), viewEnd('not-a-video-id', 'bob')],
    });
    expect(invalidBatch.status).toBe(400);
    const future = await postJson(aggregator, '/v1/events/views', {
      events: [viewEnd(videoId, 'alice'), viewEnd(videoId, 'bob', { timestamp: Date.now() + 3_600_000 })],
    });
    expect(future.status).toBe(400);
    // The app's route clamps what it can; only a view without a valid video id is refused.
    const app = await postJson(aggregator, '/analytics/view', { eventId: 'not-a-video-id', userId: 'carol' });
    expect(app.status).toBe(400);
    expect(await pointsOf(aggregator, videoId)).toEqual([]);
  });
});

// Ingest through the queue (issue 15, item 1), in the real local runtime: the api enqueues, the
// aggregator Worker's consumer commits, its dead-letter consumer keeps what it gives up. Faults
// of the consumer are armed through the aggregator test entry's seam (ingestFaults), never
// through anything a production request could send.
import { env } from 'cloudflare:workers';
import {
  aggregatorShardCount,
  type DeadLetterList,
  type DeadLetterReplayResult,
  deadLetterObjectFor,
  type IngestMessage,
  type KeyedViewEvent,
  queueGroupOf,
  shardOf,
  type TrendingVideosResponse,
} from '@openvine/trending-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiEnv } from './env.ts';
import { enqueueIngest, ingestQueues } from './ingest-queue.ts';
import {
  adminGet,
  adminPost,
  aggregatorStats,
  api,
  deadLetterQueue,
  fetchSettled,
  ingestCounts,
  ingestFaults,
  ingestQueue,
  newAggregator,
  postAudience,
  randomHex64,
  refresh,
  registerVideos,
  seedDemo,
  shardObjectOf,
  signedVideo,
  until,
  untilCommitted,
  viewEnd,
  viewEventPoints,
} from './testing.ts';
import { faultyEnv } from './testing-faults.ts';

async function top(aggregator: string, window: '1h' | '24h' = '1h') {
  await refresh(aggregator, window);
  const res = await api(aggregator, `/v1/trending/videos?window=${window}&limit=100`, {
    headers: { 'x-test-drop': 'memory,edge' },
  });
  return ((await res.json()) as TrendingVideosResponse).videos;
}

async function deadLettersOf(aggregator: string): Promise<DeadLetterList> {
  const res = await adminGet(aggregator, '/v1/admin/dead-letters');
  expect(res.status).toBe(200);
  return (await res.json()) as DeadLetterList;
}

/** A message as the api enqueues it: `events` keyed events of one video, one shard (the aggregator). */
function message(
  aggregator: string,
  videoId: string,
  events: number,
  tag = crypto.randomUUID(),
): IngestMessage {
  const keyed = Array.from(
    { length: events },
    (_, i): KeyedViewEvent => ({
      videoId,
      viewerId: `viewer-key-${tag}-${i}`,
      eventType: 'view_end',
      timestampMs: Date.now(),
      loops: 1,
      completion: 1,
      networkKey: `network-key-${i}`,
      dedupKey: `network-key-${i}:${videoId}:r:${tag}-${i}`,
    }),
  );
  return { v: 1, aggregator, object: shardObjectOf(aggregator, videoId), events: keyed };
}

/** A new video id whose shard is in queue group `group` (of the api's bound queues). */
function videoInGroup(group: number): string {
  const shards = aggregatorShardCount((env as ApiEnv).AGGREGATOR_SHARDS) ?? 1;
  const groups = ingestQueues(env as ApiEnv).length;
  for (;;) {
    const id = randomHex64();
    if (queueGroupOf(shardOf(id, shards), groups) === group) return id;
  }
}

describe('ingest through one queue per shard group', () => {
  it('sends each shard group to its own queue: one refusing fails only the requests it carries', async () => {
    expect(ingestQueues(env as ApiEnv).length).toBe(2);
    const aggregator = newAggregator();
    const [first, second] = [videoInGroup(0), videoInGroup(1)];
    const send = (videoId: string, bindings: ApiEnv) =>
      fetchSettled(aggregator, '/v1/events/views', {
        method: 'POST',
        bindings,
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.50' },
        body: JSON.stringify({
          events: Array.from({ length: 3 }, (_, i) => viewEnd(videoId, `viewer-${i}`)),
        }),
      });
    const secondRefusing = faultyEnv({ queue: { refuseGroup: 1 } });
    expect((await send(first, secondRefusing)).res.status).toBe(202);
    expect((await send(second, secondRefusing)).res.status).toBe(503);
    // Both groups through their working queues: a request spanning them is counted whole.
    const both = await postAudience(aggregator, [
      ...Array.from({ length: 5 }, (_, i) => viewEnd(first, `fan-${i}`)),
      ...Array.from({ length: 5 }, (_, i) => viewEnd(second, `fan-${i}`)),
    ]);
    expect(both.status).toBe(202);
    expect(await ingestCounts(aggregator)).toEqual({ events: 13, duplicates: 0 });
  });
});

describe('a message its consumer would refuse', () => {
  it('is never enqueued: the api answers 500, not a 202 whose events the consumer dead-letters', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const shards = aggregatorShardCount((env as ApiEnv).AGGREGATOR_SHARDS) ?? 1;
    const refused = message(aggregator, videoId, 2);
    const [first] = refused.events;
    if (first) first.hashtags = ['h'.repeat(65)];
    await expect(enqueueIngest(env as ApiEnv, [refused], shards)).rejects.toThrow(
      /consumer refuses at events\.0\.hashtags\.0/,
    );
    // The same message within the bounds is sent, and counted.
    const fine = message(aggregator, videoId, 2);
    await enqueueIngest(env as ApiEnv, [fine], shards);
    await untilCommitted(aggregator, 2);
    expect(await ingestCounts(aggregator)).toEqual({ events: 2, duplicates: 0 });
  });
});

describe('a keyless request retried after a partial send', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts once what the first try enqueued, and a view sent again a minute later twice', async () => {
    const aggregator = newAggregator();
    const [first, second] = [videoInGroup(0), videoInGroup(1)];
    // The api's clock, pinned within one real minute (the aggregator's runs on): the retry comes
    // 6 s later, as after the 503's Retry-After of 5 s.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(minute + 1_000);
    const body = JSON.stringify({
      events: [
        viewEnd(first, 'viewer-0'),
        // The same view twice in one request: two views (nothing says the second is a retry).
        viewEnd(first, 'viewer-1'),
        viewEnd(first, 'viewer-1'),
        // With the client's own timestamp: that timestamp tells a retry, whenever it comes.
        viewEnd(first, 'viewer-2', { timestamp: minute - 30_000 }),
        // A client clock 2 minutes fast: clamped to the arrival, keyed by what the client sent.
        viewEnd(first, 'viewer-3', { timestamp: minute + 120_000 }),
        viewEnd(second, 'viewer-0'),
        viewEnd(second, 'viewer-1'),
      ],
    });
    const send = (bindings: ApiEnv = env as ApiEnv) =>
      fetchSettled(aggregator, '/v1/events/views', {
        method: 'POST',
        bindings,
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.60' },
        body,
      });

    // Group 1's queue refuses: 503, though group 0's message (the first video's 5) was enqueued.
    expect((await send(faultyEnv({ queue: { refuseGroup: 1 } }))).res.status).toBe(503);
    await untilCommitted(aggregator, 5);
    vi.setSystemTime(minute + 7_000);
    expect((await send()).res.status).toBe(202);
    await untilCommitted(aggregator, 12);
    expect(await ingestCounts(aggregator)).toEqual({ events: 12, duplicates: 5 });
    expect(await viewEventPoints(first)).toHaveLength(5);
    expect(await viewEventPoints(second)).toHaveLength(2);

    // The same body in the next minute: new views, but for the two the client timestamped (the
    // fast clock's too: it is still ahead, and keyed by what it sent, not by the arrival).
    vi.setSystemTime(minute + 61_000);
    expect((await send()).res.status).toBe(202);
    await untilCommitted(aggregator, 19);
    expect(await ingestCounts(aggregator)).toEqual({ events: 19, duplicates: 7 });
    expect(await viewEventPoints(first)).toHaveLength(8);
  });
});

describe('ingest through the queue', () => {
  it("counts a request's events once the consumer ran, and a redelivery after a crash counts once", async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    // The consumer crashes right after committing the video's shard, before acking its message:
    // the queue delivers the message again, and the second commit must find them all counted.
    const shard = shardObjectOf(aggregator, videoId);
    await ingestFaults().crashAfterCommit(shard);
    // Keyless events: each gets its key from the api, before it is enqueued.
    const events = Array.from({ length: 6 }, (_, i) => viewEnd(videoId, `viewer-${i}`));
    const res = await postAudience(aggregator, events);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 6 });
    await untilCommitted(aggregator, 12);
    expect(await ingestFaults().crashesLeft(shard)).toBe(0);
    expect(await ingestCounts(aggregator)).toEqual({ events: 12, duplicates: 6 });
    expect(await top(aggregator)).toMatchObject([{ videoId, views: 6, uniqueViewers: 6 }]);
    expect(await viewEventPoints(videoId)).toHaveLength(6);
  });

  it('dead-letters a poison message, commits the rest of its delivery, and lists it', async () => {
    const aggregator = newAggregator();
    const [before, after] = [randomHex64(), randomHex64()];
    const poison = { ...message(aggregator, randomHex64(), 2), events: [{ videoId: 'not a video id' }] };
    // One sendBatch: the consumer gets the three in one delivery.
    await ingestQueue().sendBatch(
      [message(aggregator, before, 3), poison, message(aggregator, after, 4)].map((body) => ({
        body,
        contentType: 'json' as const,
      })),
    );
    await untilCommitted(aggregator, 7);
    await until('the poison message among the dead letters', async () => {
      return (await deadLettersOf(aggregator)).total === 1;
    });
    expect(await viewEventPoints(before)).toHaveLength(3);
    expect(await viewEventPoints(after)).toHaveLength(4);
    const { deadLetters } = await deadLettersOf(aggregator);
    expect(deadLetters).toEqual([
      {
        id: expect.any(String),
        receivedAt: expect.any(Number),
        countedOnceUntil: expect.any(Number),
        attempts: 1,
        reason:
          'invalid ingest message at events.0.videoId: Invalid format: Expected /^[0-9a-f]{64}$/ but received "not a video id"',
        events: 1,
        preview: JSON.stringify(poison).slice(0, 200),
      },
    ]);
    // Nothing of it was counted: the store holds the other two messages' events only.
    expect(await ingestCounts(aggregator)).toEqual({ events: 7, duplicates: 0 });
  });

  it('replays dead letters to the queue, and their events count once', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const lost = message(aggregator, videoId, 5);
    // The same message dead twice, as the queue moves it after its retries ran out (a commit
    // whose ack was lost each time), and a poison one beside it.
    const poison = { v: 2, aggregator };
    for (const body of [lost, lost, poison]) await deadLetterQueue().send(body, { contentType: 'json' });
    await until('three dead letters', async () => (await deadLettersOf(aggregator)).total === 3);
    const listed = (await deadLettersOf(aggregator)).deadLetters;
    expect(listed.map((l) => [l.reason, l.attempts, l.events]).sort()).toEqual([
      ['retries exhausted: its shard did not commit', 6, 0],
      ['retries exhausted: its shard did not commit', 6, 5],
      ['retries exhausted: its shard did not commit', 6, 5],
    ]);
    const lostIds = listed.filter((l) => l.events === 5).map((l) => l.id);

    // A body that is no object is refused, and replays nothing (to valibot `[]` is an object
    // whose every field is missing, which would mean "replay them all").
    for (const body of [[], [lostIds], null]) {
      const refused = await adminPost(aggregator, '/v1/admin/dead-letters/replay', body);
      expect(refused.status).toBe(400);
    }
    expect((await deadLettersOf(aggregator)).total).toBe(3);

    const res = await adminPost(aggregator, '/v1/admin/dead-letters/replay', { ids: [...lostIds, 'gone'] });
    expect(res.status).toBe(200);
    const replay = (await res.json()) as DeadLetterReplayResult;
    expect({ ...replay, replayed: [...replay.replayed].sort() }).toEqual({
      replayed: [...lostIds].sort(),
      missing: ['gone'],
      remaining: 1,
    });
    await untilCommitted(aggregator, 10);
    expect(await ingestCounts(aggregator)).toEqual({ events: 10, duplicates: 5 });
    expect(await viewEventPoints(videoId)).toHaveLength(5);
    // Replayed letters are gone: asking again replays nothing.
    const again = await adminPost(aggregator, '/v1/admin/dead-letters/replay', { ids: lostIds });
    expect(await again.json()).toEqual({ replayed: [], missing: lostIds, remaining: 1 });
    expect((await aggregatorStats(aggregator)).rows.viewers).toBe(5);
  });

  it('lists and replays only with the admin token', async () => {
    const aggregator = newAggregator();
    expect((await adminGet(aggregator, '/v1/admin/dead-letters', 'wrong')).status).toBe(401);
    expect((await adminPost(aggregator, '/v1/admin/dead-letters/replay', {}, 'wrong')).status).toBe(401);
    const bad = await adminPost(aggregator, '/v1/admin/dead-letters/replay', { ids: [] });
    expect(bad.status).toBe(400);
    expect(deadLetterObjectFor(aggregator)).toBe(`dead-letters:${aggregator}`);
  });

  // The freshness the design promises: a new video's burst shows in the 1h list within a minute.
  // Not timed here: that is the consumer's batch timeout (1 s) plus the aggregator's refresh
  // (30 s, its alarm) plus the edge's freshness (docs/design.md's notes).
  it('100 fresh full views of a new video from many networks make it first in 1h after the consumer and a refresh', async () => {
    const aggregator = newAggregator();
    await seedDemo(aggregator);
    const video = signedVideo(`fresh:${aggregator}`, { title: 'Brand new' });
    await registerVideos(aggregator, [video]);
    const events = Array.from({ length: 100 }, (_, i) =>
      viewEnd(video.id, `fresh-viewer-${i}`, { loops: 1 }),
    );
    const res = await postAudience(aggregator, events);
    expect(res.status).toBe(202);
    const listed = await top(aggregator);
    expect(listed[0]).toMatchObject({
      videoId: video.id,
      views: 100,
      uniqueViewers: 100,
      title: 'Brand new',
    });
  });
});

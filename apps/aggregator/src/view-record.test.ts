// The production record (issue 12, item 3): the aggregator writes one Analytics Engine point per
// event it commits, where it commits it, so an answer lost after the commit neither drops the
// point (the retry is all duplicates) nor doubles it. VIEW_EVENTS is bound to a recording
// stand-in (scripts/lib/ae-record-stand-in.js, vitest.config.ts).
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import {
  type AggregatorStub,
  newAggregator,
  ownNetwork,
  type RecordedPoint,
  randomVideoId,
  shardOfVideo,
  viewEnd,
  viewEventPoints,
  viewStart,
} from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';

/**
 * Makes the object's next storage.getAlarm() throw, once: the object asks for its alarm after
 * every commit (ensureAlarm), so the ingest that commits next fails after its commit, as an
 * answer lost to an evicted isolate or a storage error would. The real object, a real fault.
 */
function failNextAlarmRead(stub: AggregatorStub): Promise<void> {
  return runInDurableObject(stub, (_instance: TrendingAggregator, state) => {
    const storage = state.storage;
    const getAlarm = storage.getAlarm;
    storage.getAlarm = () => {
      storage.getAlarm = getAlarm;
      return Promise.reject(new Error('storage lost after the commit'));
    };
  });
}

/**
 * The video's points, once everything written before this call has reached the stand-in: points
 * are written without being awaited (as the real binding is), so a missing point cannot be told
 * from a late one by waiting; one more event (another video) is committed and its point waited
 * for. One object's points reach the stand-in in the order they were written.
 */
async function settledPoints(stub: AggregatorStub, videoId: string): Promise<RecordedPoint[]> {
  const sentinel = randomVideoId();
  expect((await stub.ingest([viewEnd(sentinel, 'sentinel')])).accepted).toBe(1);
  await vi.waitFor(async () => expect(await viewEventPoints(sentinel)).toHaveLength(1), { timeout: 5_000 });
  return viewEventPoints(videoId);
}

describe('the view record is written where the batch is committed', () => {
  it('a batch whose answer is lost after the commit is recorded once; its retry writes nothing', async () => {
    const stub = newAggregator();
    const videoId = randomVideoId();
    const batch = [
      viewEnd(videoId, 'alice-key', { dedupKey: 'k1', watchMs: 4500, durationMs: 6000, completion: 0.75 }),
      viewStart(videoId, 'bob-key', { dedupKey: 'k2' }),
      viewEnd(videoId, 'carol-key', { dedupKey: 'k3' }),
    ];

    // The shard that stores the batch loses its answer (the coordinator passes the error on).
    await failNextAlarmRead(shardOfVideo(stub, videoId));
    await expect(stub.ingest(batch)).rejects.toThrow('storage lost after the commit');

    // The caller retries the batch it got no answer for: it was committed, so all 3 are duplicates.
    expect(await stub.ingest(batch)).toEqual({
      accepted: 0,
      duplicates: 3,
      duplicateIndexes: [0, 1, 2],
    });

    // One point per event: 3, not 0 (the answer was lost) and not 6 (the retry).
    const points = await settledPoints(stub, videoId);
    expect(points.map((p) => p.blobs[1])).toEqual(['alice-key', 'bob-key', 'carol-key']);
    expect(points[0]).toEqual({
      indexes: [videoId],
      // eventType, viewerKey, creatorPubkey, country, source, hashtags, title, networkKey
      blobs: ['view_end', 'alice-key', '', '', '', '', '', ownNetwork('alice-key')],
      // timestamp (the pinned clock), watchMs, durationMs, completion, loops
      doubles: [Date.parse('2100-06-01T12:10:00.000Z'), 4500, 6000, 0.75, 1],
    });
  });
});

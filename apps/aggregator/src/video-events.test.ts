// Video metadata only from signed Nostr events (issue 14, item 1): the ranking, hashtag and
// creator trends take title, creator and hashtags from the newest signed version of a video's
// address, never from a view's body.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { DAY_MS, type TrendingSnapshot } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  type AggregatorStub,
  distinctViews,
  newAggregator,
  pinClock,
  randomVideoId,
  registerVideos,
  shardOfVideo,
  shardsOf,
  signedVideo,
  viewStart,
} from './testing.ts';
import type { TrendingAggregator } from './trending-aggregator.ts';
import type { VideoEvents } from './video-events.ts';

/** Keys of this test only: seeds no other test uses. */
const keys = () => `video-events:${crypto.randomUUID()}`;

/**
 * One address's current version and an older one (10 minutes before it), and an unrelated
 * video, all signed now (or, under a pinned clock, at that time).
 */
function addressVersions() {
  const seed = keys();
  const now = Math.floor(Date.now() / 1000);
  return {
    current: signedVideo(seed, { d: 'clip', title: 'Current', createdAt: now - 60 }),
    old: signedVideo(seed, { d: 'clip', title: 'Old', createdAt: now - 600 }),
    unrelated: signedVideo(`${seed}:b`, { title: 'Unrelated' }),
  };
}

async function snapshot(stub: AggregatorStub): Promise<TrendingSnapshot> {
  return stub.refresh('24h');
}

describe('signed video metadata', () => {
  it('one unauthenticated view_start carrying title, creator and hashtags does not retitle the 24h #1', async () => {
    const stub = newAggregator();
    const seed = keys();
    const top = signedVideo(`${seed}:creator`, { title: 'The real title', hashtags: ['cats'] });
    const second = signedVideo(`${seed}:other`, { title: 'Second', hashtags: ['dogs'] });
    await registerVideos(stub, top, second);
    // Its viewers' app sends the true metadata as hints, as it does today.
    const hints = { title: 'The real title', creatorPubkey: top.pubkey, hashtags: ['cats'] };
    await stub.ingest([...distinctViews(top.id, 30, { extra: hints }), ...distinctViews(second.id, 10)]);
    const before = await snapshot(stub);
    expect(before.videos[0]).toMatchObject({
      videoId: top.id,
      title: 'The real title',
      creatorPubkey: top.pubkey,
      hashtags: ['cats'],
    });

    const attacker = randomVideoId();
    await stub.ingest([
      viewStart(top.id, 'mallory', { title: 'pwned', creatorPubkey: attacker, hashtags: ['scam'] }),
    ]);
    const after = await snapshot(stub);
    expect(after.videos[0]).toMatchObject({
      videoId: top.id,
      title: 'The real title',
      creatorPubkey: top.pubkey,
      hashtags: ['cats'],
    });
    expect(after.hashtags).toEqual(before.hashtags);
    expect(after.creators).toEqual(before.creators);
    expect(after.hashtags?.map((h) => h.tag)).not.toContain('scam');
    expect(after.creators?.map((c) => c.pubkey)).not.toContain(attacker);
    // The hint is kept, apart.
    expect((await stub.viewHints([top.id]))[top.id]?.title).toBe('pwned');
  });

  it('a video with views but no signed event ranks by its id alone and in no hashtag or creator', async () => {
    const stub = newAggregator();
    const unsigned = randomVideoId();
    const claimed = randomVideoId();
    await stub.ingest(
      distinctViews(unsigned, 12, {
        extra: { title: 'Claimed', creatorPubkey: claimed, hashtags: ['claimed'] },
      }),
    );
    const { videos, hashtags, creators } = await snapshot(stub);
    expect(videos).toHaveLength(1);
    expect(videos[0]?.videoId).toBe(unsigned);
    expect(videos[0]).not.toHaveProperty('title');
    expect(videos[0]).not.toHaveProperty('creatorPubkey');
    expect(videos[0]).not.toHaveProperty('hashtags');
    expect(hashtags).toEqual([]);
    expect(creators).toEqual([]);
  });

  it('the newest version of an address wins, for the ids of its older versions too', async () => {
    const stub = newAggregator();
    const seed = keys();
    const now = Math.floor(Date.now() / 1000);
    const v1 = signedVideo(seed, {
      d: 'clip',
      title: 'First cut',
      hashtags: ['draft'],
      createdAt: now - 600,
    });
    const v2 = signedVideo(seed, { d: 'clip', title: 'Final cut', hashtags: ['final'], createdAt: now - 60 });
    expect((await registerVideos(stub, v1)).results).toEqual([
      { videoId: v1.id, address: v1.address, status: 'stored' },
    ]);
    await stub.ingest(distinctViews(v1.id, 8));
    expect((await snapshot(stub)).videos[0]).toMatchObject({ videoId: v1.id, title: 'First cut' });

    const replaced = await registerVideos(stub, v2);
    expect(replaced).toMatchObject({ accepted: 1, replaced: 1, unchanged: 0 });
    expect(replaced.results[0]?.status).toBe('replaced');
    const { videos, hashtags } = await snapshot(stub);
    expect(videos[0]).toMatchObject({ videoId: v1.id, title: 'Final cut', hashtags: ['final'] });
    expect(hashtags?.map((h) => h.tag)).toEqual(['final']);
    expect((await stub.videoMetadata([v1.id, v2.id]))[v2.id]).toMatchObject({
      eventId: v2.id,
      title: 'Final cut',
    });
    // A retry of the stored version changes nothing.
    expect(await registerVideos(stub, v2)).toMatchObject({ accepted: 0, unchanged: 1 });
  });

  it('refuses a version older than the stored one, whole, and changes nothing', async () => {
    const stub = newAggregator();
    const { current, old, unrelated } = addressVersions();
    await registerVideos(stub, current);
    const rowsBefore = (await stub.stats()).rows;

    expect(await stub.registerVideos([unrelated, old])).toEqual({
      ok: false,
      stale: [{ index: 1, storedId: current.id, storedCreatedAt: current.createdAt }],
    });
    expect((await stub.stats()).rows).toEqual(rowsBefore);
    const meta = await stub.videoMetadata([current.id, old.id, unrelated.id]);
    expect(Object.keys(meta)).toEqual([current.id]);
    expect(meta[current.id]?.title).toBe('Current');
  });

  it('a refused batch reaches no shard; a retry the coordinator calls unchanged reaches every shard', async () => {
    const stub = newAggregator();
    const { current, old, unrelated } = addressVersions();
    // The coordinator holds `current` but its copies never reached the shards (a fan-out that
    // failed after the coordinator's commit, as a shard's outage leaves it).
    await runInDurableObject(stub, (instance: TrendingAggregator) => {
      (instance as unknown as { videoEvents: VideoEvents }).videoEvents.register([current], Date.now());
    });
    const shardCopies = async (id: string) =>
      Promise.all(shardsOf(stub).map(async (shard) => Object.keys(await shard.videoMetadata([id])).length));

    // Refused (an older version): no shard takes the stale version nor the batch's other event.
    expect((await stub.registerVideos([unrelated, old])).ok).toBe(false);
    expect(await shardCopies(old.id)).toEqual([0, 0]);
    expect(await shardCopies(unrelated.id)).toEqual([0, 0]);

    // The client's retry of `current`: unchanged here, and every shard gets its copy.
    const retry = await registerVideos(stub, current);
    expect(retry.results.map((r) => r.status)).toEqual(['unchanged']);
    expect(await shardCopies(current.id)).toEqual([1, 1]);
    expect((await stub.videoMetadata([current.id]))[current.id]?.title).toBe('Current');
    expect((await shardOfVideo(stub, current.id).videoMetadata([current.id]))[current.id]?.title).toBe(
      'Current',
    );
  });

  it('refuses an older version that only a shard still knows is older, after the coordinator forgot the newer one', async () => {
    const start = pinClock('2100-07-01T12:00:00Z');
    const stub = newAggregator();
    const { current, old, unrelated } = addressVersions();
    await registerVideos(stub, current);
    // 8 days on, `current` is still watched: its shard keeps it, the coordinator (no views of its
    // own) forgets it at its alarm.
    pinClock(start + 8 * DAY_MS);
    await stub.ingest(distinctViews(current.id, 1));
    for (const object of [stub, ...shardsOf(stub)]) await runDurableObjectAlarm(object);
    expect(await stub.registerVideos([unrelated, old])).toEqual({
      ok: false,
      stale: [{ index: 1, storedId: current.id, storedCreatedAt: current.createdAt }],
    });
    const shard = shardOfVideo(stub, current.id);
    expect(Object.keys(await shard.videoMetadata([unrelated.id, old.id, current.id]))).toEqual([current.id]);
    expect((await shard.videoMetadata([current.id]))[current.id]?.title).toBe('Current');
  });

  it("a shard takes the coordinator's copy whole, a version older than its own recorded as superseded", async () => {
    const stub = newAggregator();
    const { current, old, unrelated } = addressVersions();
    const shard = shardOfVideo(stub, current.id);
    await registerVideos(shard, current);
    await shard.replicateVideos([old, unrelated]);
    const meta = await shard.videoMetadata([old.id, unrelated.id]);
    expect(meta[unrelated.id]?.title).toBe('Unrelated');
    expect(meta[old.id]).toMatchObject({ eventId: current.id, title: 'Current' });
  });

  it('in one request, the newest version of an address wins and the others are superseded', async () => {
    const stub = newAggregator();
    const seed = keys();
    const now = Math.floor(Date.now() / 1000);
    const newer = signedVideo(seed, { d: 'clip', title: 'Newer', createdAt: now - 60 });
    const older = signedVideo(seed, { d: 'clip', title: 'Older', createdAt: now - 600 });
    const result = await registerVideos(stub, newer, older);
    expect(result.results.map((r) => r.status)).toEqual(['stored', 'superseded']);
    const meta = await stub.videoMetadata([older.id]);
    expect(meta[older.id]).toMatchObject({ eventId: newer.id, title: 'Newer' });
  });

  it('a newest version forgotten while an older one of its address stays watched shows its metadata again once posted again', async () => {
    const start = pinClock('2100-08-01T12:00:00Z');
    const stub = newAggregator();
    const seed = keys();
    const now = Math.floor(start / 1000);
    const current = signedVideo(seed, { d: 'clip', title: 'Current', createdAt: now - 60 });
    // An older version in the same shard as `current` (as every video is in an unsharded deployment).
    let old = signedVideo(seed, { d: 'clip', title: 'Old', createdAt: now - 600 });
    for (let i = 1; !shardOfVideo(stub, old.id).id.equals(shardOfVideo(stub, current.id).id); i++)
      old = signedVideo(seed, { d: 'clip', title: 'Old', createdAt: now - 600 - i });
    await registerVideos(stub, old, current);

    // 8 days on, the old id is still watched and the current one is not: the current version is
    // forgotten, while the address (which the old version keeps) still names it.
    pinClock(start + 8 * DAY_MS);
    await stub.ingest(distinctViews(old.id, 1));
    for (const object of [stub, ...shardsOf(stub)]) await runDurableObjectAlarm(object);
    expect(await stub.videoMetadata([current.id])).toEqual({});

    // Its views return: posting its event again gives it its title again.
    await registerVideos(stub, current);
    const meta = await stub.videoMetadata([current.id, old.id]);
    expect(meta[current.id]).toMatchObject({ eventId: current.id, title: 'Current' });
    expect(meta[old.id]).toMatchObject({ eventId: current.id, title: 'Current' });
  });

  it('forgets, after 7 days, versions whose video has had no view since; keeps watched ones', async () => {
    const start = pinClock('2100-06-01T12:00:00Z');
    const stub = newAggregator();
    const seed = keys();
    const watched = signedVideo(`${seed}:a`, { title: 'Watched' });
    const idle = signedVideo(`${seed}:b`, { title: 'Idle' });
    await registerVideos(stub, watched, idle);
    pinClock(start + 8 * DAY_MS);
    await stub.ingest(distinctViews(watched.id, 1));
    // Every shard prunes its copies by its own views (each alarm does).
    for (const shard of [stub, ...shardsOf(stub)]) await runDurableObjectAlarm(shard);
    expect(Object.keys(await stub.videoMetadata([watched.id, idle.id]))).toEqual([watched.id]);
    expect((await stub.stats()).rows).toMatchObject({ videoAddresses: 1, videoVersions: 1 });
  });
});

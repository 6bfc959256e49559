import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { GROUPED_VIDEOS, LIMITS, type ModerationChange } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { Moderation } from './moderation.ts';
import {
  type AggregatorStub,
  distinctViews,
  ingestAll,
  newAggregator,
  randomVideoId,
  registerVideos,
  shardOfVideo,
  signedVideo,
} from './testing.ts';

const hide = (change: Omit<ModerationChange, 'action' | 'reason'>): ModerationChange =>
  ({ ...change, reason: 'test', action: 'hide' }) as ModerationChange;

/**
 * Two signed versions of one address (kind 34236: the seed's pubkey and `d`), the second newer,
 * and a third one's time (`later`, after both), all a few minutes before now.
 */
function twoVersionsOf(seed: string, d = 'clip', titles: [string?, string?] = []) {
  const now = Math.floor(Date.now() / 1000);
  const version = (createdAt: number, title?: string) =>
    signedVideo(seed, { d, createdAt, ...(title === undefined ? {} : { title }) });
  return { first: version(now - 900, titles[0]), second: version(now - 600, titles[1]), later: now - 60 };
}

describe('moderation in the aggregator', () => {
  it('refills the lists from further down: groups count every visible video however many are hidden above', async () => {
    const stub = newAggregator();
    // Signed videos (the ranking's only metadata): 100 best by creator "top", the next
    // GROUPED_VIDEOS - 50 by creator "rest".
    const restCount = GROUPED_VIDEOS - 50;
    const seed = crypto.randomUUID();
    const topVideos = Array.from({ length: 100 }, (_, i) =>
      signedVideo(`top-${seed}`, { d: `top-${i}`, hashtags: ['top'] }),
    );
    const restVideos = Array.from({ length: restCount }, (_, i) =>
      signedVideo(`rest-${seed}`, { d: `rest-${i}`, hashtags: ['rest'] }),
    );
    const all = [...topVideos, ...restVideos];
    for (let i = 0; i < all.length; i += LIMITS.videoEvents.perBatch)
      await registerVideos(stub, ...all.slice(i, i + LIMITS.videoEvents.perBatch));
    const top = topVideos[0]?.pubkey as string;
    const rest = restVideos[0]?.pubkey as string;
    const events = [
      ...topVideos.map((v) => distinctViews(v.id, 7)),
      ...restVideos.map((v) => distinctViews(v.id, 5)),
    ].flat();
    await ingestAll(stub, events);
    const before = await stub.refresh('24h');
    expect(before.videos.every((v) => v.creatorPubkey === top)).toBe(true);

    const { snapshots } = await stub.moderate(hide({ kind: 'creator', value: top }));

    const day = snapshots.find((s) => s.window === '24h');
    expect(day?.generation).toBe(before.generation + 1);
    expect(day?.videos).toHaveLength(100);
    expect(day?.videos.every((v) => v.creatorPubkey === rest)).toBe(true);
    expect(day?.videos.map((v) => v.rank)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // All 950 visible videos are grouped: the first GROUPED_VIDEOS best held only 900 of them.
    expect(day?.creators?.map((c) => [c.pubkey, c.videoCount])).toEqual([[rest, restCount]]);
    expect(day?.hashtags?.map((h) => [h.tag, h.videoCount])).toEqual([['rest', restCount]]);
  });

  it('keeps what is hidden and the audit list across an eviction (SQLite, loaded on start)', async () => {
    const stub = newAggregator();
    const hidden = randomVideoId();
    const shown = randomVideoId();
    await ingestAll(stub, [...distinctViews(hidden, 9), ...distinctViews(shown, 5)]);
    await stub.moderate(hide({ kind: 'video', value: hidden }));

    await evictDurableObject(stub);

    expect((await stub.refresh('7d')).videos.map((v) => v.videoId)).toEqual([shown]);
    const list = await stub.moderationList();
    expect(list.hidden.map((h) => [h.kind, h.value])).toEqual([['video', hidden]]);
    expect(list.audit.map((a) => [a.action, a.value, a.changed])).toEqual([['hide', hidden, true]]);
  });

  it('refuses a change that is not one (RPC callers are checked again here): nothing is stored', async () => {
    const stub = newAggregator();
    const video = randomVideoId();
    await ingestAll(stub, distinctViews(video, 5));
    const bad = [
      { kind: 'video', value: video, reason: 'r', action: 'delete' },
      { kind: 'video', value: 'nope', reason: 'r', action: 'hide' },
      { kind: 'video', value: video, action: 'hide' },
    ];
    for (const change of bad) {
      await expect(stub.moderate(change as unknown as ModerationChange)).rejects.toThrow(TypeError);
    }
    expect(await stub.moderationList()).toEqual({ hidden: [], audit: [] });
    expect((await stub.stats()).generations).toEqual({ '1h': 1, '24h': 1, '7d': 1 });
    expect((await stub.refresh('24h')).videos.map((v) => v.videoId)).toEqual([video]);
  });
});

describe('hiding a video hides its address', () => {
  // Two versions of one address (kind 34236: pubkey and `d`), each with views counted under its own
  // id, and a video of another creator: both versions rank, shown with the newer title.
  async function twoVersions() {
    const stub = newAggregator();
    const seed = crypto.randomUUID();
    const { first, second, later } = twoVersionsOf(seed, 'clip', ['first cut', 'final cut']);
    const other = signedVideo(crypto.randomUUID(), { d: 'other', title: 'other' });
    await registerVideos(stub, first, other);
    await registerVideos(stub, second);
    await ingestAll(stub, [
      ...distinctViews(first.id, 7),
      ...distinctViews(second.id, 6),
      ...distinctViews(other.id, 5),
    ]);
    const before = await stub.refresh('24h');
    expect(before.videos.map((v) => [v.videoId, v.title])).toEqual([
      [first.id, 'final cut'],
      [second.id, 'final cut'],
      [other.id, 'other'],
    ]);
    return { stub, seed, later, first, second, other };
  }
  const ranked = async (stub: AggregatorStub) => (await stub.refresh('24h')).videos.map((v) => v.videoId);

  it('hiding an older version leaves out every version, a newer one posted after the hide too', async () => {
    const { stub, seed, later, first, other } = await twoVersions();
    const { snapshots } = await stub.moderate(hide({ kind: 'video', value: first.id }));
    expect(snapshots.find((s) => s.window === '24h')?.videos.map((v) => v.videoId)).toEqual([other.id]);
    expect((await stub.moderationList()).hidden).toEqual([
      expect.objectContaining({ kind: 'video', value: first.id, address: first.address }),
    ]);
    // The creator posts the video again: the new version is the same address, so it stays hidden.
    const third = signedVideo(seed, { d: 'clip', createdAt: later, title: 're-upload' });
    await registerVideos(stub, third);
    await ingestAll(stub, distinctViews(third.id, 9));
    expect(await ranked(stub)).toEqual([other.id]);
    expect((await stub.explain(third.id, '24h')).hidden).toBe(true);
  });

  it('hiding the newest version leaves out the older ones its title is shown on', async () => {
    const { stub, first, second, other } = await twoVersions();
    await stub.moderate(hide({ kind: 'video', value: second.id }));
    expect(await ranked(stub)).toEqual([other.id]);
    expect((await stub.explain(first.id, '24h')).hidden).toBe(true);
    // Unhiding brings every version back.
    await stub.moderate({ ...hide({ kind: 'video', value: second.id }), action: 'unhide' });
    expect(await ranked(stub)).toEqual([first.id, second.id, other.id]);
  });

  it('a video hidden before its event arrives: its versions are left out once they are known', async () => {
    const stub = newAggregator();
    const seed = crypto.randomUUID();
    const { first, second } = twoVersionsOf(seed);
    const other = randomVideoId();
    await stub.moderate(hide({ kind: 'video', value: first.id }));
    expect((await stub.moderationList()).hidden[0]?.address).toBeUndefined();
    await registerVideos(stub, first, second);
    // The registration completes the hide with the address.
    expect((await stub.moderationList()).hidden[0]?.address).toBe(first.address);
    await ingestAll(stub, [...distinctViews(second.id, 6), ...distinctViews(other, 5)]);
    expect(await ranked(stub)).toEqual([other]);
  });

  it('hiding again an id hidden without its address stores the address, and changes nothing else', async () => {
    const stub = newAggregator();
    const { first } = twoVersionsOf(crypto.randomUUID());
    await registerVideos(stub, first);
    // A hide from before hides stored addresses.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO moderation_hidden (kind, value, reason, hidden_ms) VALUES ('video', ?, 'old', 1)",
        first.id,
      );
    });
    const { entry } = await stub.moderate(hide({ kind: 'video', value: first.id }));
    expect(entry.changed).toBe(false);
    expect((await stub.moderationList()).hidden).toEqual([
      { kind: 'video', value: first.id, reason: 'old', at: 1, address: first.address },
    ]);
  });
});

describe('moderation stored before hides kept addresses', () => {
  it('keeps its hidden items and takes addresses from then on', async () => {
    const stub = newAggregator();
    const before = randomVideoId();
    const video = signedVideo(crypto.randomUUID(), { d: 'clip' });
    await runInDurableObject(stub, (_instance, state) => {
      const { sql } = state.storage;
      // The layout before: no address column, one video hidden.
      sql.exec('DROP TABLE moderation_hidden');
      sql.exec(`CREATE TABLE moderation_hidden (kind TEXT NOT NULL, value TEXT NOT NULL, reason TEXT NOT NULL,
        hidden_ms INTEGER NOT NULL, hidden_by TEXT, PRIMARY KEY (kind, value)) WITHOUT ROWID`);
      sql.exec("INSERT INTO moderation_hidden VALUES ('video', ?, 'old', 1, NULL)", before);
      const upgraded = new Moderation(sql);
      upgraded.migrate();
      upgraded.apply({ kind: 'video', value: video.id, reason: 'new', action: 'hide' }, 2, video.address);
      expect(upgraded.hiddenItems().map((h) => [h.value, h.address])).toEqual([
        [video.id, video.address],
        [before, undefined],
      ]);
    });
  });
});

describe('a hidden video whose version a shard has forgotten', () => {
  it('still leaves out its other versions there: the hide stored its address', async () => {
    const stub = newAggregator();
    const seed = crypto.randomUUID();
    // Two versions whose views are counted in different shards (ids decide the shard).
    let { first, second } = twoVersionsOf(seed, 'clip-0');
    for (let i = 1; shardOfVideo(stub, first.id).id.name === shardOfVideo(stub, second.id).id.name; i++)
      ({ first, second } = twoVersionsOf(seed, `clip-${i}`));
    const other = randomVideoId();
    await registerVideos(stub, first);
    await registerVideos(stub, second);
    await ingestAll(stub, [
      ...distinctViews(first.id, 7),
      ...distinctViews(second.id, 6),
      ...distinctViews(other, 5),
    ]);
    await stub.moderate(hide({ kind: 'video', value: first.id }));
    // The shard that counts the newer version's views forgets the older one, as its prune does 7
    // days after registration when it holds no view of it.
    await runInDurableObject(shardOfVideo(stub, second.id), (_instance, state) => {
      state.storage.sql.exec('DELETE FROM video_versions WHERE video_id = ?', first.id);
    });
    expect((await stub.refresh('24h')).videos.map((v) => v.videoId)).toEqual([other]);
  });
});

describe('a long hidden list', () => {
  it('still ranks past one SQL value of hidden ids, and an id at its end hides its other versions', async () => {
    const stub = newAggregator();
    const seed = crypto.randomUUID();
    const { first, second } = twoVersionsOf(seed);
    const other = randomVideoId();
    await registerVideos(stub, first, second);
    await ingestAll(stub, [...distinctViews(second.id, 6), ...distinctViews(other, 5)]);
    // More hidden ids than one SQL value can list (LIMITS.sqlValueBytes), newest first, and last the
    // older version, hidden (as before hides stored addresses) with no address of its own.
    const bulk = Math.ceil(LIMITS.sqlValueBytes / 64) + 1;
    await runInDurableObject(stub, (_instance, state) => {
      const { sql } = state.storage;
      sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO moderation_hidden (kind, value, reason, hidden_ms, hidden_by, address)
         SELECT 'video', printf('%064x', i), 'bulk', 1000000 + i, NULL, NULL FROM n`,
        bulk,
      );
      sql.exec(
        "INSERT INTO moderation_hidden (kind, value, reason, hidden_ms) VALUES ('video', ?, 'old', 1)",
        first.id,
      );
    });
    expect((await stub.refresh('24h')).videos.map((v) => v.videoId)).toEqual([other]);
  });
});

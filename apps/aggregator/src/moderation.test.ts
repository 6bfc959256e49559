import { evictDurableObject } from 'cloudflare:test';
import { GROUPED_VIDEOS, LIMITS, type ModerationChange } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import {
  distinctViews,
  ingestAll,
  newAggregator,
  randomVideoId,
  registerVideos,
  signedVideo,
} from './testing.ts';

const hide = (change: Omit<ModerationChange, 'action' | 'reason'>): ModerationChange =>
  ({ ...change, reason: 'test', action: 'hide' }) as ModerationChange;

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

// Moderation through the admin routes: what is hidden leaves every trending list on the next
// request in this data center (its memory, edge, the aggregator and KV all held the old lists),
// comes back when unhidden, is audited, and the purge of every data center goes to Cloudflare's
// purge API (its stand-in: test-purge.ts) with the windows' tags.
import { env } from 'cloudflare:workers';
import {
  edgeCacheUrl,
  keyScope,
  kvTopKey,
  type ModerationList,
  type ModerationPartlyFailed,
  type ModerationReport,
  type TrendingSnapshot,
  type TrendingWindow,
  WINDOWS,
} from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { PURGE_REFUSED } from '../../test-purge.ts';
import {
  adminPost,
  aggregatorStats,
  api,
  failShardRankings,
  newAggregator,
  postAudience,
  postJson,
  purgeCalls,
  registerVideos,
  signedVideo,
  viewEnd,
} from '../testing.ts';

const asAdmin = { headers: { authorization: 'Bearer test-admin-token' } };

/**
 * Three videos with their metadata, and a precompute run: KV, this data center's edge and the
 * isolate's memory hold every list of every window with all three.
 *   cat: creator A, #cats        (30 viewers)
 *   spam: creator B, #spam #dogs (20 viewers)
 *   dog: creator B, #dogs        (10 viewers)
 */
async function threeVideos(aggregator = newAggregator()) {
  // Metadata only from signed events: two creators' keys, three signed videos.
  const seedA = `moderation-a-${crypto.randomUUID()}`;
  const seedB = `moderation-b-${crypto.randomUUID()}`;
  const signed = {
    cat: { event: signedVideo(seedA, { d: 'cat', title: 'cat', hashtags: ['cats'] }), viewers: 30 },
    spam: {
      event: signedVideo(seedB, { d: 'spam', title: 'spam', hashtags: ['spam', 'dogs'] }),
      viewers: 20,
    },
    dog: { event: signedVideo(seedB, { d: 'dog', title: 'dog', hashtags: ['dogs'] }), viewers: 10 },
  };
  await registerVideos(
    aggregator,
    Object.values(signed).map((v) => v.event),
  );
  const creatorA = signed.cat.event.pubkey;
  const creatorB = signed.spam.event.pubkey;
  const videos = {
    cat: { videoId: signed.cat.event.id, viewers: signed.cat.viewers },
    spam: { videoId: signed.spam.event.id, viewers: signed.spam.viewers },
    dog: { videoId: signed.dog.event.id, viewers: signed.dog.viewers },
  };
  for (const [name, v] of Object.entries(videos)) {
    const events = Array.from({ length: v.viewers }, (_, i) => viewEnd(v.videoId, `${name}-viewer-${i}`));
    expect((await postAudience(aggregator, events)).status).toBe(202);
  }
  expect((await adminPost(aggregator, '/v1/admin/precompute', {})).status).toBe(200);
  const everything = await lists(aggregator);
  // Every list holds all three (the tests below would pass vacuously otherwise).
  for (const window of WINDOWS) {
    expect(everything[window].videos).toEqual([videos.cat.videoId, videos.spam.videoId, videos.dog.videoId]);
    expect(everything[window].vines).toEqual(everything[window].videos);
    expect(everything[window].hashtags.sort()).toEqual(['cats', 'dogs', 'spam']);
    expect(everything[window].creators.sort()).toEqual([creatorA, creatorB].sort());
  }
  return { aggregator, videos, creatorA, creatorB };
}

async function json<T>(aggregator: string, path: string): Promise<T> {
  const res = await api(aggregator, path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** Every list of every window as a client reads it now (each format, two limits of v1). */
async function lists(aggregator: string) {
  const of = async (window: TrendingWindow) => {
    const v1 = await json<{ videos: { videoId: string }[] }>(
      aggregator,
      `/v1/trending/videos?window=${window}&limit=10`,
    );
    const v1Odd = await json<{ videos: { videoId: string }[] }>(
      aggregator,
      `/v1/trending/videos?window=${window}&limit=37`,
    );
    expect(v1Odd.videos.map((v) => v.videoId)).toEqual(v1.videos.map((v) => v.videoId));
    const vines = await json<{ vines: { eventId: string }[] }>(
      aggregator,
      `/analytics/trending/vines?window=${window}&limit=20`,
    );
    const hashtags = await json<{ hashtags: { tag: string }[] }>(
      aggregator,
      `/analytics/trending/hashtags?window=${window}&limit=20`,
    );
    const creators = await json<{ creators: { pubkey: string }[] }>(
      aggregator,
      `/analytics/trending/creators?window=${window}&limit=20`,
    );
    return {
      videos: v1.videos.map((v) => v.videoId),
      vines: vines.vines.map((v) => v.eventId),
      hashtags: hashtags.hashtags.map((h) => h.tag),
      creators: creators.creators.map((c) => c.pubkey),
    };
  };
  const [h1, h24, d7] = await Promise.all(WINDOWS.map(of));
  return { '1h': h1, '24h': h24, '7d': d7 } as Record<TrendingWindow, Awaited<ReturnType<typeof of>>>;
}

async function moderate(aggregator: string, action: 'hide' | 'unhide', body: unknown) {
  const res = await adminPost(aggregator, `/v1/admin/moderation/${action}`, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ModerationReport;
}

describe('hiding and unhiding through /v1/admin/moderation', () => {
  it('a hidden video leaves every list of every window on the next request, and comes back when unhidden', async () => {
    const { aggregator, videos, creatorA, creatorB } = await threeVideos();

    const report = await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.cat.videoId.toUpperCase(),
      reason: 'reported as spam',
      by: 'ops',
    });
    expect(report.entry).toMatchObject({
      kind: 'video',
      value: videos.cat.videoId,
      action: 'hide',
      changed: true,
      by: 'ops',
    });
    expect(report.windows.map((w) => [w.window, w.generation])).toEqual([
      ['1h', 2],
      ['24h', 2],
      ['7d', 2],
    ]);

    const hidden = await lists(aggregator);
    for (const window of WINDOWS) {
      expect(hidden[window].videos).toEqual([videos.spam.videoId, videos.dog.videoId]);
      expect(hidden[window].vines).toEqual([videos.spam.videoId, videos.dog.videoId]);
      // #cats and creator A had this video only.
      expect(hidden[window].hashtags.sort()).toEqual(['dogs', 'spam']);
      expect(hidden[window].creators).toEqual([creatorB]);
    }
    // KV holds the new lists too (another data center's next miss reads them).
    const kv = await env.TRENDING_KV.get<TrendingSnapshot>(kvTopKey('24h', keyScope(aggregator)), 'json');
    expect(kv?.videos.map((v) => v.videoId)).toEqual([videos.spam.videoId, videos.dog.videoId]);

    await moderate(aggregator, 'unhide', {
      kind: 'video',
      value: videos.cat.videoId,
      reason: 'appeal upheld',
    });
    const back = await lists(aggregator);
    for (const window of WINDOWS) {
      expect(back[window].videos).toEqual([videos.cat.videoId, videos.spam.videoId, videos.dog.videoId]);
      expect(back[window].creators.sort()).toEqual([creatorA, creatorB].sort());
    }
  });

  it('a hidden creator takes all their videos with them, from the videos and from the group trends', async () => {
    const { aggregator, videos, creatorA, creatorB } = await threeVideos();

    await moderate(aggregator, 'hide', { kind: 'creator', value: creatorB, reason: 'impersonation' });

    const hidden = await lists(aggregator);
    for (const window of WINDOWS) {
      expect(hidden[window].videos).toEqual([videos.cat.videoId]);
      expect(hidden[window].vines).toEqual([videos.cat.videoId]);
      expect(hidden[window].hashtags).toEqual(['cats']);
      expect(hidden[window].creators).toEqual([creatorA]);
    }

    await moderate(aggregator, 'unhide', { kind: 'creator', value: creatorB, reason: 'verified' });
    expect((await lists(aggregator))['24h'].creators.sort()).toEqual([creatorA, creatorB].sort());
  });

  it('a hidden hashtag takes every video carrying it, and only those', async () => {
    const { aggregator, videos, creatorA, creatorB } = await threeVideos();

    await moderate(aggregator, 'hide', { kind: 'hashtag', value: '#SPAM', reason: 'coordinated boosting' });

    const hidden = await lists(aggregator);
    for (const window of WINDOWS) {
      expect(hidden[window].videos).toEqual([videos.cat.videoId, videos.dog.videoId]);
      expect(hidden[window].vines).toEqual([videos.cat.videoId, videos.dog.videoId]);
      expect(hidden[window].hashtags.sort()).toEqual(['cats', 'dogs']);
      expect(hidden[window].creators.sort()).toEqual([creatorA, creatorB].sort());
    }

    await moderate(aggregator, 'unhide', { kind: 'hashtag', value: 'spam', reason: 'false positive' });
    expect((await lists(aggregator))['7d'].hashtags.sort()).toEqual(['cats', 'dogs', 'spam']);
  });

  it('the audit list records every hide and unhide, newest first; the hidden list what is hidden now', async () => {
    const { aggregator, videos, creatorB } = await threeVideos();
    await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.dog.videoId,
      reason: 'r1',
      by: 'alice',
    });
    const again = await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.dog.videoId,
      reason: 'r2',
    });
    expect(again.entry.changed).toBe(false);
    await moderate(aggregator, 'hide', { kind: 'creator', value: creatorB, reason: 'r3' });
    await moderate(aggregator, 'unhide', { kind: 'video', value: videos.dog.videoId, reason: 'r4' });
    const never = await moderate(aggregator, 'unhide', { kind: 'hashtag', value: 'cats', reason: 'r5' });
    expect(never.entry.changed).toBe(false);

    const res = await api(aggregator, '/v1/admin/moderation', asAdmin);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const list = (await res.json()) as ModerationList;
    expect(list.audit.map(({ at: _at, ...row }) => row)).toEqual([
      { kind: 'hashtag', value: 'cats', action: 'unhide', reason: 'r5', changed: false },
      { kind: 'video', value: videos.dog.videoId, action: 'unhide', reason: 'r4', changed: true },
      { kind: 'creator', value: creatorB, action: 'hide', reason: 'r3', changed: true },
      { kind: 'video', value: videos.dog.videoId, action: 'hide', reason: 'r2', changed: false },
      { kind: 'video', value: videos.dog.videoId, action: 'hide', reason: 'r1', by: 'alice', changed: true },
    ]);
    for (const row of list.audit) expect(row.at).toBeGreaterThan(0);
    expect(list.hidden.map(({ at: _at, ...item }) => item)).toEqual([
      { kind: 'creator', value: creatorB, reason: 'r3' },
    ]);
  });

  it('bad input is a 400 naming the problem and changes nothing; no token is a 401', async () => {
    const { aggregator, videos } = await threeVideos();
    const before = (await aggregatorStats(aggregator)).generations;
    const bad: unknown[] = [
      { kind: 'video', value: 'not-hex', reason: 'r' },
      { kind: 'user', value: videos.cat.videoId, reason: 'r' },
      { kind: 'video', value: videos.cat.videoId },
      { kind: 'video', value: videos.cat.videoId, reason: '   ' },
      { kind: 'hashtag', value: '#', reason: 'r' },
      { kind: 'video', value: videos.cat.videoId, reason: 'r', action: 'hide' },
      { kind: 'video', value: videos.cat.videoId, reason: 'x'.repeat(501) },
      [],
    ];
    for (const body of bad) {
      const res = await adminPost(aggregator, '/v1/admin/moderation/hide', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('invalid_request');
      expect(error.message).toBe('Invalid moderation request');
    }
    const notJson = await api(aggregator, '/v1/admin/moderation/hide', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
      body: '{"kind":',
    });
    expect(notJson.status).toBe(400);

    const hide = { kind: 'video', value: videos.cat.videoId, reason: 'r' };
    for (const path of ['/v1/admin/moderation/hide', '/v1/admin/moderation/unhide']) {
      expect((await postJson(aggregator, path, hide)).status).toBe(401);
      expect((await adminPost(aggregator, path, hide, 'wrong-token')).status).toBe(401);
    }
    expect((await api(aggregator, '/v1/admin/moderation')).status).toBe(401);

    // Nothing changed: no audit row, no bump, the video still listed.
    const list = (await (await api(aggregator, '/v1/admin/moderation', asAdmin)).json()) as ModerationList;
    expect(list).toEqual({ hidden: [], audit: [] });
    expect((await aggregatorStats(aggregator)).generations).toEqual(before);
    expect((await lists(aggregator))['24h'].videos[0]).toBe(videos.cat.videoId);
  });
});

describe("purging every data center's edge by tag", () => {
  it("answers carry Cache-Tag; a change purges the windows' tags through Cloudflare's purge API", async () => {
    const { aggregator, videos } = await threeVideos();
    const scope = keyScope(aggregator);

    // An answer, and the edge entry the run stored, carry the tags a purge names.
    const read = await api(aggregator, '/v1/trending/videos?window=24h&limit=10');
    expect(read.headers.get('cache-tag')).toBe(
      `${scope}trending,${scope}trending-24h,${scope}trending-24h-g1`,
    );
    const entry = await caches.default.match(edgeCacheUrl('v1', '24h', 10, scope));
    expect(entry?.headers.get('cache-tag')).toBe(
      `${scope}trending,${scope}trending-24h,${scope}trending-24h-g1`,
    );
    await entry?.body?.cancel();
    expect(await purgeCalls(aggregator)).toEqual([]);

    const report = await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.spam.videoId,
      reason: 'r',
    });

    const tags = [`${scope}trending-1h`, `${scope}trending-24h`, `${scope}trending-7d`];
    expect(report.edgePurge).toEqual({
      status: 'purged',
      tags,
      message: 'Purged from every data center by tag',
    });
    expect(await purgeCalls(aggregator)).toEqual([tags]);
    const after = await api(aggregator, '/v1/trending/videos?window=24h&limit=10');
    expect(after.headers.get('cache-tag')).toBe(
      `${scope}trending,${scope}trending-24h,${scope}trending-24h-g2`,
    );
  });

  it('a purge the API refuses is reported as failed; the change stands and this data center has it', async () => {
    const { aggregator, videos } = await threeVideos(`${newAggregator()}-${PURGE_REFUSED}`);

    const report = await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.cat.videoId,
      reason: 'r',
    });

    expect(report.edgePurge).toMatchObject({
      status: 'failed',
      message: 'The purge API answered 503: 10013 Service unavailable',
    });
    expect(await purgeCalls(aggregator)).toEqual([]);
    expect((await lists(aggregator))['24h'].videos).toEqual([videos.spam.videoId, videos.dog.videoId]);
  });
});

describe('a change while a window cannot be recomputed', () => {
  it('stays applied: the others leave the video out, the 502 names the window, its tag is not purged', async () => {
    const { aggregator, videos } = await threeVideos();
    const scope = keyScope(aggregator);
    // Every shard fails its 7d ranking, as shards out of reach do.
    await failShardRankings(aggregator, ['7d']);

    const res = await adminPost(aggregator, '/v1/admin/moderation/hide', {
      kind: 'video',
      value: videos.spam.videoId,
      reason: 'r',
    });

    expect(res.status).toBe(502);
    const body = (await res.json()) as ModerationPartlyFailed;
    expect(body.error.code).toBe('recompute_failed');
    expect(body.error.message).toContain('7d (generation 2)');
    expect(body.entry).toMatchObject({ value: videos.spam.videoId, action: 'hide', changed: true });
    expect(body.windows.map((w) => w.window)).toEqual(['1h', '24h']);
    expect(body.notRecomputed).toEqual([{ window: '7d', generation: 2 }]);
    expect(body.edgePurge.tags).toEqual([`${scope}trending-1h`, `${scope}trending-24h`]);
    const day = await json<{ videos: { videoId: string }[] }>(
      aggregator,
      '/v1/trending/videos?window=24h&limit=10',
    );
    expect(day.videos.map((v) => v.videoId)).toEqual([videos.cat.videoId, videos.dog.videoId]);
    const list = (await (await api(aggregator, '/v1/admin/moderation', asAdmin)).json()) as ModerationList;
    expect(list.hidden.map((h) => h.value)).toEqual([videos.spam.videoId]);

    // Repeating the change once the shards answer: nothing new to hide, every window recomputed.
    await failShardRankings(aggregator, []);
    const again = await moderate(aggregator, 'hide', {
      kind: 'video',
      value: videos.spam.videoId,
      reason: 'r',
    });
    expect(again.entry.changed).toBe(false);
    expect(again.windows.map((w) => w.window)).toEqual(['1h', '24h', '7d']);
    expect((await lists(aggregator))['7d'].videos).toEqual([videos.cat.videoId, videos.dog.videoId]);
  });
});

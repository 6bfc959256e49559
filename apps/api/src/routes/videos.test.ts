// POST /v1/videos (issue 14, item 1): a video's title, creator and hashtags come only from its
// signed Nostr event; views carry hints that never change them.
import { env } from 'cloudflare:workers';
import type { TrendingSnapshot } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import { aggregatorStub } from '../cascade/aggregator-stub.ts';
import {
  aggregatorStats,
  api,
  CLIENT_IP,
  newAggregator,
  postAudience,
  postJson,
  postVideos,
  randomHex64,
  registerVideos,
  signedVideo,
  viewEnd,
} from '../testing.ts';

type ErrorJson = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

/** Keys of this test only. */
const keys = () => `videos-test:${crypto.randomUUID()}`;
const CLIENT = { 'cf-connecting-ip': CLIENT_IP };

/** The 24h window recomputed now (what the aggregator's alarm does), as the layers then serve it. */
function refreshed24h(aggregator: string): Promise<TrendingSnapshot> {
  return aggregatorStub(env, aggregator).refresh('24h');
}

async function views(aggregator: string, videoId: string, viewers: number, extra = {}): Promise<void> {
  const events = Array.from({ length: viewers }, (_, i) => viewEnd(videoId, `viewer-${i}`, extra));
  // An audience as real ones come: each viewer from its own address (testing.ts).
  expect((await postAudience(aggregator, events)).status).toBe(202);
}

/** A copy of `text` with the character at `at` replaced by another one. */
const oneByteChanged = (text: string, at: number) =>
  `${text.slice(0, at)}${text[at] === 'a' ? 'b' : 'a'}${text.slice(at + 1)}`;

describe('POST /v1/videos', () => {
  it('stores a signed event: 200 with what was stored, and the video ranks with its metadata', async () => {
    const aggregator = newAggregator();
    const event = signedVideo(keys(), { title: 'A cat and a ladder', hashtags: ['Cats', 'funny'] });
    const res = await postVideos(aggregator, event);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({
      accepted: 1,
      replaced: 0,
      unchanged: 0,
      results: [{ videoId: event.id, address: `34236:${event.pubkey}:clip`, status: 'stored' }],
    });
    await views(aggregator, event.id, 12);
    const { videos, hashtags, creators } = await refreshed24h(aggregator);
    expect(videos[0]).toMatchObject({
      videoId: event.id,
      title: 'A cat and a ladder',
      creatorPubkey: event.pubkey,
      hashtags: ['cats', 'funny'],
    });
    expect(hashtags?.map((h) => h.tag)).toEqual(['cats', 'funny']);
    expect(creators?.map((c) => c.pubkey)).toEqual([event.pubkey]);
  });

  it('one unauthenticated view_start with title, creatorPubkey and hashtags does not retitle the 24h #1', async () => {
    const aggregator = newAggregator();
    const seed = keys();
    const top = signedVideo(`${seed}:top`, { title: 'The real title', hashtags: ['cats'] });
    const runnerUp = signedVideo(`${seed}:second`, { title: 'Second', hashtags: ['dogs'] });
    await registerVideos(aggregator, [top, runnerUp]);
    // Their viewers' app sends the true metadata as hints, as it does today.
    await views(aggregator, top.id, 20, {
      title: 'The real title',
      creatorPubkey: top.pubkey,
      hashtags: ['cats'],
    });
    await views(aggregator, runnerUp.id, 8);
    const before = await refreshed24h(aggregator);
    expect(before.videos[0]).toMatchObject({
      videoId: top.id,
      title: 'The real title',
      creatorPubkey: top.pubkey,
    });

    const attacker = randomHex64();
    const attack = await postJson(
      aggregator,
      '/v1/events/views',
      {
        videoId: top.id,
        viewerId: 'mallory',
        eventType: 'view_start',
        title: 'Buy my coin',
        creatorPubkey: attacker,
        hashtags: ['scam'],
      },
      { 'cf-connecting-ip': '198.51.100.66' },
    );
    expect(attack.status).toBe(202);

    const after = await refreshed24h(aggregator);
    expect(after.videos[0]).toMatchObject({
      videoId: top.id,
      title: 'The real title',
      creatorPubkey: top.pubkey,
      hashtags: ['cats'],
    });
    // Scores decay with the (real) clock between the two computations: the groups are compared.
    const tags = (s: TrendingSnapshot) =>
      s.hashtags?.map(({ tag, views, videoCount }) => ({ tag, views, videoCount }));
    const creators = (s: TrendingSnapshot) =>
      s.creators?.map(({ pubkey, totalViews, videoCount }) => ({ pubkey, totalViews, videoCount }));
    expect(tags(after)).toEqual(tags(before));
    expect(creators(after)).toEqual(creators(before));
    expect(tags(after)?.map((t) => t.tag)).toEqual(['cats', 'dogs']);
  });

  it('refuses an event with one byte changed, and stores nothing', async () => {
    const aggregator = newAggregator();
    const event = signedVideo(keys(), { title: 'Mine' });
    const text = JSON.stringify(event);
    const rowsBefore = (await aggregatorStats(aggregator)).rows;
    // One character of the title, of the id, of the signature.
    const cases = [
      [oneByteChanged(text, text.indexOf('Mine') + 1), 'bad_event_id'],
      [oneByteChanged(text, text.indexOf(event.id) + 5), 'bad_event_id'],
      [oneByteChanged(text, text.indexOf(event.sig) + 5), 'bad_signature'],
    ] as const;
    for (const [body, code] of cases) {
      const res = await api(aggregator, '/v1/videos', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CLIENT },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe(code);
    }
    expect((await aggregatorStats(aggregator)).rows).toEqual(rowsBefore);
    expect((await postVideos(aggregator, event)).status).toBe(200);
  });

  it('refuses an event older than the stored version with 409 stale_version, and changes nothing', async () => {
    const aggregator = newAggregator();
    const seed = keys();
    const now = Math.floor(Date.now() / 1000);
    const current = signedVideo(seed, { title: 'Current', createdAt: now - 60 });
    const older = signedVideo(seed, { title: 'Older', createdAt: now - 600 });
    await registerVideos(aggregator, [current]);
    await views(aggregator, current.id, 6);
    const rowsBefore = (await aggregatorStats(aggregator)).rows;

    const res = await postVideos(aggregator, { events: [signedVideo(`${seed}:other`), older] });
    expect(res.status).toBe(409);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('stale_version');
    expect(body.error.issues?.map((i) => i.path)).toEqual(['events.1']);
    expect((await aggregatorStats(aggregator)).rows).toEqual(rowsBefore);
    expect((await refreshed24h(aggregator)).videos[0]?.title).toBe('Current');
  });

  it('answers a retried batch that held two versions of one address as unchanged, not 409', async () => {
    const aggregator = newAggregator();
    const seed = keys();
    const now = Math.floor(Date.now() / 1000);
    const first = signedVideo(seed, { title: 'First', createdAt: now - 600 });
    const second = signedVideo(seed, { title: 'Second', createdAt: now - 60 });
    const other = signedVideo(`${seed}:other`, { title: 'Other' });
    const batch = { events: [first, second, other] };
    const res = await postVideos(aggregator, batch);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual([
      'superseded',
      'stored',
      'stored',
    ]);
    // The answer was lost; the client sends the same request again.
    const retry = await postVideos(aggregator, batch);
    expect(retry.status, await retry.clone().text()).toBe(200);
    expect(await retry.json()).toMatchObject({ accepted: 0, replaced: 0, unchanged: 3 });
    await views(aggregator, first.id, 6);
    expect((await refreshed24h(aggregator)).videos[0]).toMatchObject({ videoId: first.id, title: 'Second' });
  });

  it('a newer version replaces the metadata of its address, for views counted under the older id too', async () => {
    const aggregator = newAggregator();
    const seed = keys();
    const now = Math.floor(Date.now() / 1000);
    const first = signedVideo(seed, { title: 'First', hashtags: ['draft'], createdAt: now - 600 });
    const second = signedVideo(seed, { title: 'Second', hashtags: ['final'], createdAt: now - 60 });
    await registerVideos(aggregator, [first]);
    await views(aggregator, first.id, 6);
    const res = await postVideos(aggregator, second);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      replaced: 1,
      results: [{ videoId: second.id, status: 'replaced' }],
    });
    const { videos } = await refreshed24h(aggregator);
    expect(videos[0]).toMatchObject({ videoId: first.id, title: 'Second', hashtags: ['final'] });
  });

  it('refuses other kinds, unsigned and malformed events, and oversized ones; a batch with one of them stores nothing', async () => {
    const aggregator = newAggregator();
    const seed = keys();
    const good = signedVideo(seed, { d: 'good' });
    const { sig: _sig, ...unsigned } = signedVideo(seed, { d: 'unsigned' });
    const rowsBefore = (await aggregatorStats(aggregator)).rows;
    const cases: [unknown, number, string][] = [
      [signedVideo(seed, { kind: 1 }), 400, 'unsupported_kind'],
      [unsigned, 400, 'unsigned_event'],
      [{ ...good, created_at: 'yesterday' }, 400, 'invalid_event'],
      [signedVideo(seed, { content: 'x'.repeat(9_000) }), 400, 'event_too_large'],
      [{ events: [good, signedVideo(seed, { kind: 30023 })] }, 400, 'unsupported_kind'],
      [{ events: [] }, 400, 'invalid_request'],
      [{ events: Array.from({ length: 51 }, () => good) }, 400, 'invalid_request'],
      [{ events: [good], extra: true }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const res = await postVideos(aggregator, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(((await res.json()) as ErrorJson).error.code).toBe(code);
    }
    const big = await api(aggregator, '/v1/videos', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CLIENT },
      body: JSON.stringify({ ...good, content: 'x'.repeat(70_000) }),
    });
    expect(big.status).toBe(413);
    const notJson = await api(aggregator, '/v1/videos', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CLIENT },
      body: '{"id":',
    });
    expect(((await notJson.json()) as ErrorJson).error.code).toBe('invalid_json');
    expect((await aggregatorStats(aggregator)).rows).toEqual(rowsBefore);
  });
});

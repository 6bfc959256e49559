// Stored viewer and network keys are HMACs with VIEWER_KEY_SECRET: not recomputable from a known
// id without the secret (a plain hash of `anon:<IPv4>` is found by trying every address).
import { env } from 'cloudflare:workers';
import type { TrendingVideosResponse } from '@openvine/trending-core';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from './env.ts';
import { networkKey, viewerKey } from './keyed-digest.ts';
import {
  aggregatorStats,
  api,
  countedOutcome,
  fetchSettled,
  newAggregator,
  postAudience,
  randomHex64,
  refresh,
  until,
  viewEnd,
  viewEventPoints,
} from './testing.ts';

/** The old stored key of viewer `alice`: sha256(`openvine-viewer:alice`), first 16 bytes. */
const PLAIN_SHA256_ALICE = '4cb5fca588552b153ea8515105626119';
/** HMAC-SHA-256('test-viewer-key-secret', `openvine-viewer:alice`), first 16 bytes (vitest.config.ts). */
const KEYED_ALICE = '2d30459113bd073f01cb928778aa1fa3';

async function plainSha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('viewerKey and networkKey', () => {
  it('are not the plain SHA-256 of the id, and change with the secret', async () => {
    expect(await plainSha256('openvine-viewer:alice')).toBe(PLAIN_SHA256_ALICE);
    const keyed = await viewerKey('test-viewer-key-secret', 'alice');
    expect(keyed).toBe(KEYED_ALICE);
    expect(keyed).not.toBe(PLAIN_SHA256_ALICE);
    expect(keyed).not.toBe(await plainSha256('alice'));
    expect(await viewerKey('another-secret', 'alice')).not.toBe(keyed);
    expect(await viewerKey('test-viewer-key-secret', 'alice')).toBe(keyed);
    expect(keyed).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keep viewers and networks apart: the same text is a different key for each', async () => {
    const secret = 'test-viewer-key-secret';
    expect(await networkKey(secret, '203.0.113.0/24')).not.toBe(await viewerKey(secret, '203.0.113.0/24'));
    expect(await networkKey(secret, '203.0.113.0/24')).not.toBe(
      await networkKey('another-secret', '203.0.113.0/24'),
    );
    expect(await networkKey(secret, '203.0.113.0/24')).not.toBe(await networkKey(secret, '198.51.100.0/24'));
  });
});

describe('ingest stores the keyed viewer', () => {
  it('records the HMAC of a known viewer id, and still counts one viewer once', async () => {
    const aggregator = newAggregator();
    const videoId = randomHex64();
    const outcome = await countedOutcome(aggregator, () =>
      postAudience(
        aggregator,
        ['alice', 'alice', 'bob', 'carol', 'dave', 'erin'].map((viewer) => viewEnd(videoId, viewer)),
      ),
    );
    expect(outcome).toEqual({ accepted: 6, duplicates: 0 });
    await until('the record has the six points', async () => (await viewEventPoints(videoId)).length === 6);
    const keys = (await viewEventPoints(videoId)).map((p) => p.blobs[1]);
    expect(keys.filter((k) => k === KEYED_ALICE)).toHaveLength(2);
    expect(keys).not.toContain(PLAIN_SHA256_ALICE);

    await refresh(aggregator, '1h');
    const { videos } = (await (
      await api(aggregator, '/v1/trending/videos?window=1h')
    ).json()) as TrendingVideosResponse;
    // Alice's second view in the hour is over the per-viewer cap (1): 5 views, 5 viewers.
    expect(videos.find((v) => v.videoId === videoId)).toMatchObject({ views: 5, uniqueViewers: 5 });
  });
});

describe('without VIEWER_KEY_SECRET', () => {
  it('ingest answers 503 misconfigured and stores nothing; reads still answer', async () => {
    const aggregator = newAggregator();
    const { VIEWER_KEY_SECRET: _secret, ...unkeyed } = env as ApiEnv;
    const before = (await aggregatorStats(aggregator)).rows;
    const { res, text } = await fetchSettled(aggregator, '/v1/events/views', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.5' },
      body: JSON.stringify(viewEnd(randomHex64(), 'alice', { idempotencyKey: 'k' })),
      bindings: unkeyed,
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'misconfigured', message: 'Ingest is not configured on this server' },
    });
    const app = await fetchSettled(aggregator, '/analytics/view', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.5' },
      body: JSON.stringify({ eventId: randomHex64(), eventType: 'view_end' }),
      bindings: unkeyed,
    });
    expect(app.res.status).toBe(503);
    expect((await aggregatorStats(aggregator)).rows).toEqual(before);
    const read = await fetchSettled(aggregator, '/v1/trending/videos?window=1h', { bindings: unkeyed });
    expect(read.res.status).toBe(200);
  });
});

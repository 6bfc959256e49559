import { finalizeEvent } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { DEMO_VIDEOS_CREATED_AT_S, demoVideoEvents, generateDemoData } from './demo-data.ts';
import { pubkeyFromSeed, secretKeyFromSeed, signedVideoEvent, signWithSeed } from './nostr-signing.ts';
import { type NostrEvent, replacesVersion, verifyVideoEvent } from './nostr-video.ts';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const CREATED = Math.floor(NOW / 1000) - 600;

function video(overrides: Partial<Parameters<typeof signedVideoEvent>[1]> = {}, seed = 'alice'): NostrEvent {
  return signedVideoEvent(seed, {
    d: 'clip-1',
    title: 'A cat and a ladder',
    hashtags: ['Cats', '#funny', 'cats'],
    createdAt: CREATED,
    ...overrides,
  });
}

/** The event as a client sends it: JSON, parsed fresh. */
const wire = (event: unknown) => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;

function codeOf(input: unknown): string {
  const verdict = verifyVideoEvent(input, NOW);
  return verdict.ok ? 'ok' : verdict.code;
}

describe('verifyVideoEvent', () => {
  it('takes creator, title and hashtags from a signed kind 34236 event, addressed by pubkey and d', () => {
    const event = video();
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict).toEqual({
      ok: true,
      record: {
        id: event.id,
        pubkey: pubkeyFromSeed('alice'),
        kind: 34236,
        createdAt: CREATED,
        address: `34236:${pubkeyFromSeed('alice')}:clip-1`,
        title: 'A cat and a ladder',
        hashtags: ['cats', 'funny'],
        event: JSON.stringify(event),
      },
    });
  });

  it('accepts NIP-71 kinds 21 and 22, each event its own address', () => {
    for (const kind of [21, 22]) {
      const event = video({ kind });
      const verdict = verifyVideoEvent(wire(event), NOW);
      expect(verdict.ok && verdict.record.address).toBe(event.id);
    }
  });

  it('refuses one changed byte anywhere the signature covers', () => {
    const event = video();
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    expect(codeOf(wire(event))).toBe('ok');
    expect(codeOf({ ...wire(event), content: 'x' })).toBe('bad_event_id');
    expect(
      codeOf({
        ...wire(event),
        tags: [
          ['d', 'clip-1'],
          ['title', 'A cat and a laddex'],
        ],
      }),
    ).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), created_at: CREATED + 1 })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), pubkey: pubkeyFromSeed('mallory') })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), id: flip(event.id) })).toBe('bad_event_id');
    expect(codeOf({ ...wire(event), sig: flip(event.sig) })).toBe('bad_signature');
  });

  it("refuses another key's signature over the right id", () => {
    const event = video();
    const other = signWithSeed('mallory', { kind: 34236, created_at: CREATED, tags: [], content: '' });
    expect(codeOf({ ...wire(event), sig: other.sig })).toBe('bad_signature');
  });

  it('re-verifies an edited copy of an event nostr-tools already verified (its cached verdict is not trusted)', () => {
    const verified = finalizeEvent(
      {
        kind: 34236,
        created_at: CREATED,
        tags: [
          ['d', 'x'],
          ['title', 'mine'],
        ],
        content: '',
      },
      secretKeyFromSeed('alice'),
    );
    // Spread copies nostr-tools' verified symbol along with the fields.
    expect(
      codeOf({
        ...verified,
        tags: [
          ['d', 'x'],
          ['title', 'stolen'],
        ],
      }),
    ).toBe('bad_event_id');
  });

  it('refuses unsigned, malformed, other kinds, oversized and future events', () => {
    const { sig: _sig, ...unsigned } = wire(video());
    expect(codeOf(unsigned)).toBe('unsigned_event');
    expect(codeOf({ ...wire(video()), id: undefined })).toBe('unsigned_event');
    expect(codeOf('an event')).toBe('invalid_event');
    expect(codeOf([wire(video())])).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), pubkey: 'A'.repeat(64) })).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), tags: [['t', 7]] })).toBe('invalid_event');
    expect(codeOf({ ...wire(video()), created_at: 1.5 })).toBe('invalid_event');
    expect(codeOf(wire(video({ kind: 1 })))).toBe('unsupported_kind');
    expect(codeOf(wire(video({ kind: 34235 })))).toBe('unsupported_kind');
    expect(codeOf(wire(video({ content: 'x'.repeat(8_193) })))).toBe('event_too_large');
    expect(codeOf(wire(video({ hashtags: Array.from({ length: 100 }, (_, i) => `t${i}`) })))).toBe(
      'event_too_large',
    );
    expect(codeOf(wire(video({ title: 'x'.repeat(2_049) })))).toBe('event_too_large');
    expect(codeOf(wire(video({ createdAt: Math.floor(NOW / 1000) + 3600 })))).toBe('event_in_future');
    expect(codeOf(wire(video({ title: 'lone \ud800 surrogate' })))).toBe('invalid_event');
  });

  it('bounds the metadata it derives: title cut to 300 characters, the first 20 distinct hashtags', () => {
    const event = video({
      title: 'T'.repeat(400),
      hashtags: Array.from({ length: 30 }, (_, i) => `#Tag${i}`),
    });
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict.ok && verdict.record.title).toBe('T'.repeat(300));
    expect(verdict.ok && verdict.record.hashtags).toEqual(Array.from({ length: 20 }, (_, i) => `tag${i}`));
  });

  it('reads a missing d tag as "" and a missing title as none', () => {
    const event = signWithSeed('alice', { kind: 34236, created_at: CREATED, tags: [], content: '' });
    const verdict = verifyVideoEvent(wire(event), NOW);
    expect(verdict.ok && verdict.record.address).toBe(`34236:${pubkeyFromSeed('alice')}:`);
    expect(verdict.ok && 'title' in verdict.record).toBe(false);
  });
});

describe('replacesVersion', () => {
  it('a later created_at wins; on a tie the lower id; never itself', () => {
    expect(replacesVersion({ createdAt: 2, id: 'b' }, { createdAt: 1, id: 'a' })).toBe(true);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 2, id: 'b' })).toBe(false);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 1, id: 'b' })).toBe(true);
    expect(replacesVersion({ createdAt: 1, id: 'b' }, { createdAt: 1, id: 'a' })).toBe(false);
    expect(replacesVersion({ createdAt: 1, id: 'a' }, { createdAt: 1, id: 'a' })).toBe(false);
  });
});

describe('demo video events', () => {
  it('are signed by the creators the workload names, with the ids its views use', () => {
    const { videos } = generateDemoData({ now: NOW, videos: 20, events: 1000, seed: 3 });
    const events = demoVideoEvents(videos);
    const records = events.map((e) => verifyVideoEvent(wire(e), NOW));
    expect(records.map((r) => (r.ok ? r.record.id : r.code))).toEqual(videos.map((v) => v.videoId));
    expect(records.map((r) => r.ok && r.record.pubkey)).toEqual(videos.map((v) => v.creatorPubkey));
    expect(records.map((r) => r.ok && r.record.title)).toEqual(videos.map((v) => v.title));
    expect(events.every((e) => e.created_at === DEMO_VIDEOS_CREATED_AT_S)).toBe(true);
    // Ids depend on the seed, not on the time the workload is generated for.
    const later = generateDemoData({ now: NOW + 3_600_000, videos: 20, events: 1000, seed: 3 });
    expect(later.videos.map((v) => v.videoId)).toEqual(videos.map((v) => v.videoId));
  });
});
